#!/usr/bin/env python3
"""Write the generators' ``user_data.csv``: 1000 made-up users, reproducibly.

The names are combined from short lists below with a fixed random seed, so
every run writes the same file; ``make`` never runs this, the CSV is
committed. Run ``python3 -m tools.make_user_data`` to write it again.
"""
import csv
import random
from pathlib import Path

OUTPUT = (Path(__file__).resolve().parent.parent / "python-generators-0x00"
          / "user_data.csv")
SEED = 20261127
COUNT = 1000
FIRST_NAMES = [
    "Ada", "Bruno", "Chiamaka", "Dmitri", "Esi", "Farah", "Goran", "Hana",
    "Ikenna", "Jovana", "Kwame", "Leila", "Mateo", "Nadia", "Omar", "Priya",
    "Quentin", "Rosa", "Sipho", "Tomasz", "Umeko", "Viktor", "Wanjiru",
    "Xavier", "Yara", "Zeynep", "Amara", "Bongani", "Cyril", "Dalia",
    "Emeka", "Fatou", "Gustavo", "Hiroshi", "Ines", "Jabari", "Kofi",
    "Lucia", "Moussa", "Noor",
]
LAST_NAMES = [
    "Abebe", "Bianchi", "Castillo", "Diallo", "Eriksen", "Fofana", "Gallo",
    "Haddad", "Ibrahim", "Jensen", "Kamau", "Lindqvist", "Mensah", "Novak",
    "Okafor", "Petrov", "Quispe", "Rahman", "Sato", "Tanaka", "Uzor",
    "Varga", "Wojcik", "Xu", "Yilmaz", "Zulu", "Asante", "Brandt",
    "Cheng", "Dube",
]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]


def make_users(count: int, seed: int) -> list[tuple[str, str, int]]:
    """Return ``count`` (name, email, age) tuples with unique emails."""
    chooser = random.Random(seed)
    users: list[tuple[str, str, int]] = []
    emails: set[str] = set()
    while len(users) < count:
        first = chooser.choice(FIRST_NAMES)
        last = chooser.choice(LAST_NAMES)
        number, domain = chooser.randint(1, 999), chooser.choice(DOMAINS)
        email = f"{first}.{last}{number}@{domain}".lower()
        if email in emails:
            continue
        emails.add(email)
        users.append((f"{first} {last}", email,
                      chooser.randint(1, 120)))
    return users


def main() -> None:
    """Write the CSV with every field quoted, as the curriculum's file is."""
    with open(OUTPUT, "w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(["name", "email", "age"])
        writer.writerows(make_users(COUNT, SEED))
    print(f"Wrote {COUNT} users to {OUTPUT.name}")


if __name__ == "__main__":
    main()
