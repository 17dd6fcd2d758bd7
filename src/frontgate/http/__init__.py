"""HTTP/1.1 for the data plane: a sans-IO connection core and the thin asyncio adapter around it."""
