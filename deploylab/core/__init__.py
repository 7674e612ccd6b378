"""The model interface: the Driver every model implements, the manifest it reads, the lab's state and errors."""
