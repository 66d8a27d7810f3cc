//! The command line. The token is never among the arguments: it comes from
//! `ROLLOUT_TESTSERVER_TOKEN`.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;

pub const USAGE: &str = "использование: rollout-testserver ПАПКА_СНИМКА [--port N] [--rate R] [--faults SEED,P] \
[--hold-delete K,…] [--forbid ID,…] [--permissions ID=право+право]… [--announce ID,…] [--seconds S] [--log ФАЙЛ] \
[--dump ПАПКА]";

/// The permissions `ChatAdminPermission` allows (the schema's enum).
pub const PERMISSIONS: [&str; 13] = [
    "read_all_messages",
    "add_remove_members",
    "add_admins",
    "change_chat_info",
    "pin_message",
    "write",
    "can_call",
    "edit_link",
    "post_edit_delete_message",
    "edit_message",
    "delete_message",
    "edit",
    "delete",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    pub dir: PathBuf,
    pub port: u16,
    pub rate: u32,
    /// Seed and probability.
    pub faults: Option<(u64, f64)>,
    /// `--hold-delete`: which `DELETE /chats/{id}/members` (counting from 1) are carried out
    /// and never answered.
    pub hold_delete: BTreeSet<u64>,
    pub forbid: BTreeSet<i64>,
    pub permissions: BTreeMap<i64, Vec<String>>,
    pub announce: Vec<i64>,
    pub seconds: f64,
    pub log: Option<PathBuf>,
    pub dump: Option<PathBuf>,
}

/// `--help`.
pub const HELP: &str = "rollout-testserver — папка-снимок платформы как MAX Bot API на 127.0.0.1, для тестов, \
демонстрации и замеров. В сеть за пределы этого компьютера не ходит.

Токен, который сервер ждёт в заголовке Authorization, берётся из переменной окружения
ROLLOUT_TESTSERVER_TOKEN (по умолчанию test-token); в командной строке его нет.

Параметры:
  ПАПКА_СНИМКА          chats.json и members/<chat_id>.json, как их сохраняет rollout platform pull
  --port N              порт (0 — любой свободный; первая строка вывода: listening http://127.0.0.1:ПОРТ)
  --rate R              запросов в секунду, выше — ответ 429 с Retry-After (по умолчанию 1000)
  --faults SEED,P       с вероятностью P ответ 500 или разрыв соединения (воспроизводимо по SEED);
                        запрос на изменение (DELETE, POST, PATCH, PUT) при сбое поровну либо
                        не выполняется, либо выполняется, а ответ всё равно 500 или разрыв
  --hold-delete K,…     K-й запрос DELETE /chats/ID/members (считая с 1, без отказанных по токену,
                        схеме, частоте и сбою) выполнить, записать в журнал с \"held\": true
                        и не отвечать, пока клиент не уйдёт или сервер не остановится
  --forbid ID,…         в этих чатах бот — не администратор (список участников — 403)
  --permissions ID=право+право   права бота в чате
  --announce ID,…       сообщить о добавлении бота в эти чаты (GET /updates)
  --seconds S           остановиться через S секунд (по умолчанию 300)
  --log ФАЙЛ            журнал запросов, по строке JSON на запрос (без токена)
  --dump ПАПКА          текущее состояние после каждого изменения, в формате снимка,
                        и messages.json — отправленные сообщения в порядке отправки
  -h, --help            эта справка

Сообщения, отправленные POST /messages, можно прочитать: GET /messages?chat_id=ID[&count=N]
(сначала новые).";

pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Args, String> {
    let mut dir = None;
    let mut args = Args {
        dir: PathBuf::new(),
        port: 0,
        rate: 1000,
        faults: None,
        hold_delete: BTreeSet::new(),
        forbid: BTreeSet::new(),
        permissions: BTreeMap::new(),
        announce: Vec::new(),
        seconds: 300.0,
        log: None,
        dump: None,
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("аргумент не в UTF-8: {}", a.to_string_lossy()))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if !flag.starts_with("--") {
            if dir.is_some() {
                return Err(format!("лишний аргумент «{arg}»"));
            }
            dir = Some(PathBuf::from(arg));
            continue;
        }
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("после {flag} нужно значение")),
            }
        };
        match flag.as_str() {
            "--port" => args.port = number(&flag, &value()?)?,
            "--rate" => {
                args.rate = number(&flag, &value()?)?;
                if args.rate == 0 {
                    return Err("--rate: нужно число больше нуля".into());
                }
            }
            "--faults" => {
                let v = value()?;
                let (seed, p) = v.split_once(',').ok_or_else(|| format!("--faults: нужно SEED,P, а не «{v}»"))?;
                let seed: u64 = number(&flag, seed)?;
                let p: f64 = number(&flag, p)?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("--faults: вероятность {p} вне 0..1"));
                }
                args.faults = Some((seed, p));
            }
            "--hold-delete" => {
                let v = value()?;
                for k in v.split(',').filter(|p| !p.trim().is_empty()) {
                    let k: u64 = number(&flag, k)?;
                    if k == 0 {
                        return Err("--hold-delete: запросы считаются с 1".into());
                    }
                    args.hold_delete.insert(k);
                }
                if args.hold_delete.is_empty() {
                    return Err(format!("--hold-delete: нужен номер запроса, а не «{v}»"));
                }
            }
            "--forbid" => args.forbid.extend(ids(&flag, &value()?)?),
            "--announce" => args.announce.extend(ids(&flag, &value()?)?),
            "--permissions" => {
                let v = value()?;
                let (id, perms) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--permissions: нужно ID=право+право, а не «{v}»"))?;
                let id: i64 = number(&flag, id)?;
                let perms: Vec<String> = perms.split('+').filter(|p| !p.is_empty()).map(str::to_string).collect();
                if let Some(bad) = perms.iter().find(|p| !PERMISSIONS.contains(&p.as_str())) {
                    return Err(format!("--permissions: неизвестное право «{bad}»"));
                }
                args.permissions.insert(id, perms);
            }
            "--seconds" => {
                args.seconds = number(&flag, &value()?)?;
                if !(args.seconds.is_finite() && args.seconds > 0.0) {
                    return Err("--seconds: нужно число больше нуля".into());
                }
            }
            "--log" => args.log = Some(PathBuf::from(value()?)),
            "--dump" => args.dump = Some(PathBuf::from(value()?)),
            _ => return Err(format!("неизвестный параметр {flag}")),
        }
    }
    args.dir = dir.ok_or("не указана папка снимка")?;
    Ok(args)
}

fn number<T: std::str::FromStr>(flag: &str, s: &str) -> Result<T, String> {
    s.trim().parse().map_err(|_| format!("{flag}: «{s}» — не число"))
}

fn ids(flag: &str, s: &str) -> Result<Vec<i64>, String> {
    s.split(',').filter(|p| !p.trim().is_empty()).map(|p| number(flag, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Args, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn every_flag() {
        let a = p(&[
            "snap",
            "--port",
            "0",
            "--rate=5",
            "--faults",
            "7,0.25",
            "--forbid",
            "-1,-2",
            "--permissions",
            "-3=read_all_messages+add_admins",
            "--announce",
            "-4",
            "--seconds",
            "1.5",
            "--log",
            "l.jsonl",
            "--dump",
            "d",
            "--hold-delete",
            "3,1",
            "--hold-delete=7",
        ])
        .unwrap();
        assert_eq!(a.dir, PathBuf::from("snap"));
        assert_eq!(a.rate, 5);
        assert_eq!(a.faults, Some((7, 0.25)));
        assert_eq!(a.forbid, BTreeSet::from([-1, -2]));
        assert_eq!(a.permissions[&-3], vec!["read_all_messages", "add_admins"]);
        assert_eq!(a.announce, vec![-4]);
        assert_eq!(a.seconds, 1.5);
        assert_eq!(a.dump, Some(PathBuf::from("d")));
        assert_eq!(a.hold_delete, BTreeSet::from([1, 3, 7]));
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(p(&[]).unwrap_err(), "не указана папка снимка");
        assert_eq!(p(&["d", "--token", "x"]).unwrap_err(), "неизвестный параметр --token");
        assert_eq!(
            p(&["d", "--permissions", "-1=fly"]).unwrap_err(),
            "--permissions: неизвестное право «fly»"
        );
        assert_eq!(p(&["d", "--faults", "1,2"]).unwrap_err(), "--faults: вероятность 2 вне 0..1");
        assert_eq!(p(&["d", "--rate"]).unwrap_err(), "после --rate нужно значение");
        assert_eq!(p(&["d", "--hold-delete", "0"]).unwrap_err(), "--hold-delete: запросы считаются с 1");
        assert_eq!(p(&["d", "--hold-delete", "x"]).unwrap_err(), "--hold-delete: «x» — не число");
        assert_eq!(
            p(&["d", "--hold-delete", ","]).unwrap_err(),
            "--hold-delete: нужен номер запроса, а не «,»"
        );
    }
}
