"""The spine code knowledge: curated Turtle, how it is loaded, read and checked."""
