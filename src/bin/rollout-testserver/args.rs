//! The command line. The token is never among the arguments: it comes from
//! `ROLLOUT_TESTSERVER_TOKEN`.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::PathBuf;

pub const USAGE: &str = "использование: rollout-testserver ПАПКА_СНИМКА [--port N] [--rate R] [--faults SEED,P] \
[--forbid ID,…] [--permissions ID=право+право]… [--announce ID,…] [--seconds S] [--log ФАЙЛ] [--dump ПАПКА]";

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
  --faults SEED,P       с вероятностью P ответ 500 или разрыв соединения (воспроизводимо по SEED)
  --forbid ID,…         в этих чатах бот — не администратор (список участников — 403)
  --permissions ID=право+право   права бота в чате
  --announce ID,…       сообщить о добавлении бота в эти чаты (GET /updates)
  --seconds S           остановиться через S секунд (по умолчанию 300)
  --log ФАЙЛ            журнал запросов, по строке JSON на запрос (без токена)
  --dump ПАПКА          текущее состояние после каждого изменения, в формате снимка
  -h, --help            эта справка";

pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Args, String> {
    let mut dir = None;
    let mut args = Args {
        dir: PathBuf::new(),
        port: 0,
        rate: 1000,
        faults: None,
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
    }
}
