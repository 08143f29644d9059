"""Built-in recipes, found by name: `render-factory generate charts`."""
