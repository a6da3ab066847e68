"""The HTTP side of `spinekg serve`: uvicorn protocol details and the query lanes (admission control)."""
