"""The compiled configuration the data plane serves from: the immutable snapshot's classes, route
matching over them, the image that ships them between processes, and model validators.
``frontgate.compile`` builds snapshots; the data plane only reads them."""
