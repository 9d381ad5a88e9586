"""Pure rules of the shop floor: statuses, quantities, BOM spread, errors."""
