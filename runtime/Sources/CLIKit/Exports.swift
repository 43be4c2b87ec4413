/// Every CLI needs the file helpers; importing CLIKit brings FileIO along.
@_exported import FileIO
