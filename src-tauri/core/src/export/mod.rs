//! Workbook and CSV writers for a reconciled month. STUB.
