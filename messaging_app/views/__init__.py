"""The views: one function per endpoint of the route table, one module per
kind of resource.

A view gets the services and the request (plus the ids of its path), checks
who may do what, reads and validates its input, calls storage and returns a
response. Views never touch the socket and never see SQL.
"""
