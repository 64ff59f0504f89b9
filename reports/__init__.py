"""Documents from plain data (receipts, notices, labels, Excel in and out); no database."""
