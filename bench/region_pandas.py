#!/usr/bin/env python3
"""The pandas side of the region benchmark (benches/region.rs runs it in a throwaway venv
with pandas, python-calamine and pyarrow): for every workspace listed in the file given as
the only argument, the same ingest as rollout's (every xlsx sheet with engine="calamine",
every csv with engine="pyarrow"; the header row found among the first rows by its words),
the same name normalisation (case, ё → е, spaces) and an exact-key diff of the roster
(surname + first name) against the platform's members (last_name + first_name of
platform/members/*.json). Prints one JSON object: seconds per step and counts."""
import json
import os
import sys
import time

import pandas as pd

NAME_WORDS = ("фио", "фамилия", "ф.и.о", "ученик", "обучающ", "студент", "сотрудник")


def header_index(rows):
    """The first of the first 30 rows with a name column's word."""
    for i, row in enumerate(rows[:30]):
        for cell in row:
            if isinstance(cell, str) and any(w in cell.strip().lower() for w in NAME_WORDS):
                return i
    return None


def norm(series):
    return (
        series.astype("string")
        .str.lower()
        .str.replace("ё", "е", regex=False)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )


def name_keys(df):
    """Surname + first name of every row: from an «ФИО» column or separate columns."""
    cols = {str(c).strip().lower(): c for c in df.columns}
    fio = next((c for k, c in cols.items() if "фио" in k or "ф.и.о" in k), None)
    if fio is not None:
        parts = norm(df[fio]).str.split(" ", n=2, expand=True)
        if parts.shape[1] < 2:
            return pd.Series(dtype="string")
        return (parts[0] + " " + parts[1]).dropna()
    sur = next((c for k, c in cols.items() if "фамилия" in k), None)
    first = next((c for k, c in cols.items() if k.startswith("имя")), None)
    if sur is None or first is None:
        return pd.Series(dtype="string")
    return (norm(df[sur]) + " " + norm(df[first])).dropna()


def read_xlsx(path):
    frames = []
    book = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=str)
    for sheet in book.values():
        rows = sheet.values.tolist()
        h = header_index(rows)
        if h is None:
            continue
        df = sheet.iloc[h + 1 :]
        df.columns = [str(c) for c in sheet.iloc[h].tolist()]
        frames.append(df)
    return frames


def read_csv(path):
    with open(path, "rb") as f:
        head = f.read(65536)
    try:
        text = head.decode("utf-8")
        enc = "utf-8"
    except UnicodeDecodeError:
        text = head.decode("cp1251", errors="replace")
        enc = "cp1251"
    lines = text.splitlines()
    h = header_index([line.split(";") if ";" in line else line.split(",") for line in lines])
    if h is None:
        return []
    sep = ";" if ";" in lines[h] else ","
    df = pd.read_csv(path, sep=sep, skiprows=h, header=0, dtype=str, engine="pyarrow", encoding=enc)
    return [df]


def members(ws):
    keys = []
    d = os.path.join(ws, "platform", "members")
    if not os.path.isdir(d):
        return pd.Series(dtype="string")
    for name in os.listdir(d):
        with open(os.path.join(d, name), encoding="utf-8") as f:
            doc = json.load(f)
        for m in doc.get("members", []):
            keys.append(f"{m.get('last_name') or ''} {m.get('first_name') or ''}")
    return norm(pd.Series(keys, dtype="string"))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        workspaces = [line.strip() for line in f if line.strip()]
    t_xlsx = t_csv = t_norm = t_diff = 0.0
    rows = invite = unknown = 0
    for ws in workspaces:
        frames = []
        for dirpath, _, files in os.walk(os.path.join(ws, "sources")):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                low = name.lower()
                t = time.perf_counter()
                try:
                    if low.endswith(".xlsx"):
                        frames += read_xlsx(path)
                        t_xlsx += time.perf_counter() - t
                    elif low.endswith(".csv"):
                        frames += read_csv(path)
                        t_csv += time.perf_counter() - t
                except Exception as e:  # a file pandas cannot read is skipped, as rollout reports it
                    print(f"pandas: {path}: {e}", file=sys.stderr)
        t = time.perf_counter()
        keys = pd.concat([name_keys(df) for df in frames] or [pd.Series(dtype="string")], ignore_index=True)
        rows += len(keys)
        t_norm += time.perf_counter() - t
        t = time.perf_counter()
        m = members(ws)
        roster = pd.DataFrame({"key": keys.drop_duplicates()})
        plat = pd.DataFrame({"key": m.drop_duplicates()})
        joined = roster.merge(plat, on="key", how="outer", indicator=True)
        invite += int((joined["_merge"] == "left_only").sum())
        unknown += int((joined["_merge"] == "right_only").sum())
        t_diff += time.perf_counter() - t
    print(
        json.dumps(
            {
                "pandas": pd.__version__,
                "ingest_xlsx_s": round(t_xlsx, 3),
                "ingest_csv_s": round(t_csv, 3),
                "ingest_s": round(t_xlsx + t_csv, 3),
                "normalise_s": round(t_norm, 3),
                "diff_s": round(t_diff, 3),
                "total_s": round(t_xlsx + t_csv + t_norm + t_diff, 3),
                "rows": rows,
                "not_on_platform": invite,
                "unknown_members": unknown,
            }
        )
    )


if __name__ == "__main__":
    main()
