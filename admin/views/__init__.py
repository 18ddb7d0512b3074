"""The admin panel's views, one module per part of the programme."""
