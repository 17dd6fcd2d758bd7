"""Running the gateway: bootstrap (import --api files), workers, the supervisor, live reload."""
