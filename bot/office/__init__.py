"""The line to the executive office: messages from anyone, answered by staff."""
