"""What people read: the committee report, maps and charts. Imports every layer below the orchestration."""
