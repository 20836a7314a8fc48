## Shared pieces that other messages reference.

aspel-phone = 800 Aspel 123
