"""A shop's stock and its orders: a user's own stateful tools for `punie eval` (docs/stateful-tools.md).

punie reads this file's source to offer each public method as a tool (types from the hints,
descriptions from the docstrings) and runs it only inside its sandbox, one fresh instance per
prompt, keeping the state across the prompt's calls and user turns.
"""


class Inventory:
    """Items in stock, by name, and the orders placed."""

    def __init__(self) -> None:
        self.stock: dict[str, int] = {}
        self.orders: list[dict] = []

    def count(self, item: str) -> int:
        """How many of an item are in stock.

        Args:
            item: the item's name, for example "apple"
        """
        return self.stock.get(item, 0)

    def restock(self, item: str, quantity: int) -> dict:
        """Add items to the stock.

        Args:
            item: the item's name
            quantity: how many to add (at least 1)
        """
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        self.stock[item] = self.stock.get(item, 0) + quantity
        return {"item": item, "in_stock": self.stock[item]}

    def order(self, item: str, quantity: int, customer: str) -> dict:
        """Sell items from the stock to a customer.

        Args:
            item: the item's name
            quantity: how many to sell
            customer: who buys them
        """
        if self.stock.get(item, 0) < quantity:
            raise ValueError(f"only {self.stock.get(item, 0)} {item} in stock")
        self.stock[item] -= quantity
        self.orders.append({"item": item, "quantity": quantity, "customer": customer})
        return {"order": len(self.orders), "in_stock": self.stock[item]}
