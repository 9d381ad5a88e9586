"""The work-order board: table model, filter proxy, row delegate and the screen."""
