#!/usr/bin/env python3
"""A large students' list for measuring ingest memory (issue 11, hold-out file):
`scripts/large-csv.py ROWS > sources/big.csv` — about 67 bytes a row, 
UTF-8, `;`-separated, the columns a contingent list has, every row a different person.
Deterministic."""
import datetime
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 700_000
surnames = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Орлов", "Соколов", "Лебедев"]
names = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Олег", "Илья", "Семён", "Андрей", "Максим"]
patr = ["Иванович", "Петрович", "Сергеевич", "Олегович", "Ильич", "Андреевич"]
out = sys.stdout
out.write("ФИО;Группа;Филиал;Дата рождения;Телефон\n")
for i in range(rows):
    # Each row a different person: name and birth date never repeat together.
    combo, day = i % 600, i // 600
    born = datetime.date(2005, 1, 1) + datetime.timedelta(days=day)
    out.write(
        f"{surnames[combo % 10]} {names[combo // 10 % 10]} {patr[combo // 100]};"
        f"ИС-{i % 400};Главный корпус;{born:%d.%m.%Y};+7912{i:07}\n"
    )
