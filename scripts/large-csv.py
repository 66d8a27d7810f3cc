#!/usr/bin/env python3
"""A large students' list for measuring ingest memory (issue 11, hold-out file):
`scripts/large-csv.py ROWS > sources/big.csv` — about 67 bytes a row,
UTF-8, `;`-separated, the columns a contingent list has, every row a different person.
`scripts/large-csv.py ROWS --full > sources/big.csv` — about 115 bytes a row, the columns
of a full contingent export (№, ФИО, дата рождения, группа, курс, филиал, телефон,
e-mail, СНИЛС with a valid checksum); `--cp1251` writes it in
Windows-1251. Deterministic."""
import datetime
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
flags = {a for a in sys.argv[1:] if a.startswith("--")}
rows = int(args[0]) if args else 700_000
surnames = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Орлов", "Соколов", "Лебедев"]
names = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Олег", "Илья", "Семён", "Андрей", "Максим"]
patr = ["Иванович", "Петрович", "Сергеевич", "Олегович", "Ильич", "Андреевич"]
branches = ["Главный корпус", "Заречный филиал", "Лесной филиал", "Сосновский филиал"]
codes = ["ИС", "БУ", "ТМ", "ПК", "СЭ", "ОП", "ПД", "МР"]


def snils(n):
    digits = f"{n:09d}"
    s = sum(int(d) * (9 - i) for i, d in enumerate(digits))
    check = s % 101 % 100
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]} {check:02d}"


def plain(out):
    out.write("ФИО;Группа;Филиал;Дата рождения;Телефон\n")
    for i in range(rows):
        # Each row a different person: name and birth date never repeat together.
        combo, day = i % 600, i // 600
        born = datetime.date(2005, 1, 1) + datetime.timedelta(days=day)
        out.write(
            f"{surnames[combo % 10]} {names[combo // 10 % 10]} {patr[combo // 100]};"
            f"ИС-{i % 400};Главный корпус;{born:%d.%m.%Y};+7912{i:07}\n"
        )


def full(out):
    out.write("№;ФИО;Дата рождения;Группа;Курс;Филиал;Телефон;E-mail;СНИЛС\n")
    for i in range(rows):
        combo, day = i % 600, i // 600
        born = datetime.date(2005, 1, 1) + datetime.timedelta(days=day)
        course = 1 + i % 4
        group = f"{codes[i % 8]}-{24 - course + 1}-{1 + i // 8 % 50}"
        out.write(
            f"{i + 1};{surnames[combo % 10]} {names[combo // 10 % 10]} {patr[combo // 100]};"
            f"{born:%d.%m.%Y};{group};{course};{branches[i // 400 % 4]};"
            f"8 (912) {i // 10000 % 1000:03d}-{i // 100 % 100:02d}-{i % 100:02d};s{i}@mail.ru;{snils(1_002_000 + i)}\n"
        )


if "--cp1251" in flags:
    out = open(sys.stdout.fileno(), "w", encoding="cp1251", newline="\n", closefd=False)
else:
    out = sys.stdout
(full if "--full" in flags else plain)(out)
out.flush()
