"""Where data comes from: HTTP, the raw layer, SCB's PxWebApi 2.0, Kolada, the kommun's own value files, and the source check. Imports core and registry."""
