"""The image catalog: images, flavors, which images boot which flavors, and the read view."""
