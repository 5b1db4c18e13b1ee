from pipelines.demo.builder import main

main()
