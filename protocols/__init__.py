"""typing.Protocol interfaces that services depend on instead of concrete classes."""
