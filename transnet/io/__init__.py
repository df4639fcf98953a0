"""Reading and writing: vector files, bundles, places, saved networks and OpenStreetMap."""
