"""The ground floor: settings read from the environment, Sweden's region codes and keys, reading the CSV files an analyst saves from Excel. Imports nothing from the other layers."""
