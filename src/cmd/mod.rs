//! One module per subcommand (as xsv does): each has its clap arguments and a `run` that
//! calls the library's stages and prints for people. `execute` is the one dispatch.

pub mod apply;
pub mod approve;
pub mod clap_ru;
pub mod decide;
pub mod diff;
pub mod ingest;
pub mod init;
pub mod letters;
pub mod links;
pub mod movement;
pub mod notify;
pub mod plan;
pub mod platform;
pub mod purge;
pub mod read_source;
pub mod region;
pub mod report;
pub mod rollover;

use clap::{Parser, Subcommand};
use rollout::changes::{DiffOutcome, PlacedChat};
use rollout::config::Config;
use rollout::error::{Done, Error, Result};
use rollout::ingest::{ReadMode, Reader};
use rollout::links::LinkSet;
use rollout::roster::Loaded;
use rollout::state::Store;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Writes a line to stdout; a closed pipe (`rollout check | head`) ends the program
/// quietly with success, as for any Unix tool.
/// Inside `rollout region run` the line is kept with the organisation's messages instead.
macro_rules! say {
    () => {
        $crate::cmd::print_raw(b"\n")
    };
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::cmd::print_raw(line.as_bytes());
    }};
}
pub(crate) use say;

/// Writes text as it is to stdout (a closed pipe ends the program with success).
pub fn print_raw(bytes: &[u8]) {
    if let Err(e) = rollout::console::out_bytes(bytes) {
        stdout_failed(e);
    }
}

/// What a failed write to stdout means: a closed pipe is success; anything else is
/// reported.
pub fn stdout_failed(e: std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    rollout::errln!("rollout: ошибка: не удалось писать в стандартный вывод: {e}");
}

const EXAMPLES: &str = "Примеры:
  rollout init мой-колледж --profile college      создать рабочее место
  rollout run --config мой-колледж/rollout.toml   выполнить все этапы и вывести сводку
  rollout check                                   проверить источники и перечислить проблемы
  rollout ingest --out /tmp/out                   записать чистый реестр в /tmp/out/roster/

Справка по команде: rollout КОМАНДА --help";

#[derive(Parser)]
#[command(name = "rollout", version,
    about = "Переводит всю образовательную организацию на платформу «Сферум» в мессенджере MAX и поддерживает списки в актуальном виде",
    after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(clap::Args)]
pub struct Global {
    /// Файл рабочего места.
    #[arg(long, global = true, default_value = "rollout.toml", value_name = "ПУТЬ")]
    pub config: PathBuf,
    /// Куда записывать результаты (по умолчанию: out/ рядом с файлом рабочего места).
    #[arg(long, global = true, value_name = "ПАПКА")]
    pub out: Option<PathBuf>,
    /// Без индикатора хода работы и без сводных таблиц.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Сколько секунд ждать, пока другая команда rollout закончит работу с этим рабочим местом (по умолчанию 60); потом — отказ.
    #[arg(long, global = true, default_value_t = 60, hide_default_value = true, value_name = "СЕКУНДЫ")]
    pub lock_timeout: u64,
    /// The running command's name, for the workspace lock (set by `execute`).
    #[arg(skip)]
    pub command: &'static str,
}

#[derive(Subcommand)]
pub enum Command {
    /// Создать рабочее место: rollout.toml с пояснением каждого ключа, папки sources/, plans/, templates/.
    #[command(
        after_help = "Примеры:\n  rollout init моя-школа --profile school --name \"МБОУ «СОШ № 1»\"\n  rollout init . --profile kindergarten --force"
    )]
    Init(init::Args),
    /// Прочитать все источники в чистый реестр (OUT/roster/) и перечислить проблемы (OUT/problems.csv).
    #[command(after_help = "Примеры:\n  rollout ingest\n  rollout ingest --config samples/college/rollout.toml --out /tmp/college")]
    Ingest,
    /// Проверить источники и перечислить все проблемы (OUT/problems.csv, OUT/problems.xlsx).
    #[command(after_help = "Примеры:\n  rollout check\n  rollout check --config samples/college/rollout.toml")]
    Check,
    /// Сверить реестр с платформой: OUT/matches.csv, OUT/changes.json, OUT/changes.xlsx.
    #[command(
        after_help = "Примеры:\n  rollout diff\n  rollout diff --platform platform/          папка снимка\n  rollout diff --platform members.xlsx       выгрузка участников"
    )]
    Diff(diff::Args),
    /// Подтвердить сопоставление на проверке: этот аккаунт платформы — этот человек из реестра.
    #[command(after_help = "Примеры:\n  rollout confirm 700123 s1a2b3c4d5e")]
    Confirm(decide::Args),
    /// Отклонить сопоставление на проверке: этот аккаунт платформы — не этот человек из реестра.
    #[command(after_help = "Примеры:\n  rollout reject 700123 s1a2b3c4d5e")]
    Reject(decide::Args),
    /// Утвердить задержанный набор изменений по его хешу; отказ, если исходные данные с тех пор изменились.
    #[command(after_help = "Примеры:\n  rollout approve 3f2a…   (хеш, который вывел rollout diff)")]
    Approve(approve::Args),
    /// Выполнить показанный набор изменений на платформе MAX: удалить ушедших, назначить кураторов администраторами (с журналом; после сбоя — продолжить).
    #[command(
        after_help = "Примеры:\n  rollout apply          показать, что будет сделано\n  rollout apply --yes    выполнить\n\nНужны платформа MAX в реальном времени (раздел [platform] в rollout.toml) и набор изменений, показанный rollout diff (задержанный — после rollout approve).\nПосле сбоя или прерывания тот же rollout apply --yes продолжит с того же места.\nКоды выхода: 0 — сделано; 1 — что-то не выполнено; 2 — отказ (набор не показан, устарел или не утверждён); 4 — API платформы MAX недоступен или не принял токен."
    )]
    Apply(apply::Args),
    /// Сообщения бота в чаты: правила чата, состояние плана перехода по филиалам.
    #[command(
        after_help = "Примеры:\n  rollout notify rules          показать, куда и что будет отправлено\n  rollout notify rules --yes    отправить\n  rollout notify plan --yes\n\nТексты — шаблоны templates/messages/rules.txt и templates/messages/plan.txt: свой файл с тем же именем в папке templates/messages/ рабочего места заменяет встроенный.\nКоды выхода: 0 — сделано; 1 — в какой-то чат не отправлено; 2 — ошибка настройки или шаблона; 4 — API платформы MAX недоступен или не принял токен."
    )]
    Notify {
        #[command(subcommand)]
        cmd: notify::NotifyCmd,
    },
    /// Движение по спискам: кто прибыл, выбыл, переведён, сменил контакт, у кого исправлены ФИО или дата рождения, что изменилось у сотрудников (OUT/movement.csv, OUT/movement.xlsx).
    #[command(
        after_help = "Примеры:\n  rollout movement                     последний записанный список против предыдущего\n  rollout movement --list              записанные списки и их номера\n  rollout movement --from 3 --to 5\n  rollout movement --since 01.09.2026  что изменилось с 01.09.2026\n\nСписки записываются в историю (.rollout/history/) командами rollout ingest, diff и run — один раз на каждое новое содержание и только когда все источники прочитаны.\nВ файлах — только ID людей, филиалы и группы: без имён и телефонов."
    )]
    Movement(movement::Args),
    /// Удалить из хранилища состояния сведения о людях, которых больше нет в реестре, и старые списки истории (кроме последнего).
    #[command(after_help = "Примеры:\n  rollout purge --before 2026-09-01")]
    Purge(purge::Args),
    /// Письма, списки рассылки, листки с QR-кодами и файлы .eml для тех, кому ещё нужно вступить в чаты.
    #[command(
        after_help = "Примеры:\n  rollout letters              только тем, кому по набору изменений ещё нужно вступить\n  rollout letters --all        всем\n  rollout letters --no-qr      без листков для печати"
    )]
    Letters(letters::Args),
    /// Ссылки-приглашения: реестр ссылок и перечень дел администратора.
    Links {
        #[command(subcommand)]
        cmd: links::LinksCmd,
    },
    /// Платформа MAX в реальном времени: проверка доступа бота, снимок чатов и участников, поиск чатов.
    Platform {
        #[command(subcommand)]
        cmd: platform::PlatformCmd,
    },
    /// Планы перехода: состояние по филиалам и ответственным, отметки о выполнении, импорт, календарь, диаграмма Ганта, напоминания.
    Plan {
        #[command(subcommand)]
        cmd: plan::PlanCmd,
    },
    /// Панель (OUT/report.html, открывается без интернета) и сводка для директора (OUT/usage.xlsx).
    #[command(after_help = "Примеры:\n  rollout report\n  rollout report --as-of 01.03.2027")]
    Report(report::Args),
    /// Новый учебный год: предложить, куда переходят группы, кто выпускается, какие группы новые и как переименовать чаты (OUT/rollover.xlsx, OUT/rollover/chats-map.toml); на платформе ничего не меняет.
    #[command(
        after_help = "Примеры:\n  rollout rollover --to 2027/28\n  rollout rollover --to 2027-2028 --platform platform/\n\nГод — текущий учебный или следующий.\nКоды выхода: 0 — готово; 1 — есть группы, которые нужно решить вручную; 2 — ошибка в команде или rollout.toml."
    )]
    Rollover(rollover::Args),
    /// Основная работа: все этапы по порядку и короткая сводка в конце.
    #[command(
        after_help = "Примеры:\n  rollout run\n  rollout run --config samples/college/rollout.toml\n  rollout run --no-pull              без нового снимка платформы MAX: сверка с последним полным снимком"
    )]
    Run(ingest::RunArgs),
    /// Регион: rollout run для всех организаций в одном процессе и сводка для регионального оператора (region.xlsx, region.html, таблицы Parquet).
    #[command(
        after_help = "Примеры:\n  rollout region run регион/       все организации и сводка\n  rollout region status регион/    сводка по последним запускам, без нового запуска"
    )]
    Region {
        #[command(subcommand)]
        cmd: region::RegionCmd,
    },
    /// Служебная: изолированное чтение файлов-источников по запросам процесса rollout.
    #[command(name = "__read-source", hide = true)]
    ReadSource(read_source::Args),
}

impl Command {
    /// The command's name as typed, for whoever waits for its workspace lock.
    fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::Ingest => "ingest",
            Command::Check => "check",
            Command::Diff(_) => "diff",
            Command::Confirm(_) => "confirm",
            Command::Reject(_) => "reject",
            Command::Approve(_) => "approve",
            Command::Apply(_) => "apply",
            Command::Notify { .. } => "notify",
            Command::Purge(_) => "purge",
            Command::Movement(_) => "movement",
            Command::Letters(_) => "letters",
            Command::Links { .. } => "links",
            Command::Plan { .. } => "plan",
            Command::Platform { .. } => "platform",
            Command::Report(_) => "report",
            Command::Rollover(_) => "rollover",
            Command::Run(_) => "run",
            Command::Region { .. } => "region",
            Command::ReadSource(_) => "__read-source",
        }
    }
}

/// The one dispatch.
pub fn execute(mut cli: Cli) -> Result<Done> {
    cli.global.command = cli.command.name();
    let g = &cli.global;
    match cli.command {
        Command::ReadSource(a) => Ok(read_source::run(a)),
        Command::Init(a) => init::run(a),
        Command::Ingest => ingest::run(g, ingest::Stage::Ingest),
        Command::Check => ingest::run(g, ingest::Stage::Check),
        Command::Run(a) => ingest::run(g, ingest::Stage::Run { no_pull: a.no_pull }),
        Command::Diff(a) => diff::run(g, a),
        Command::Confirm(a) => decide::run(g, a, true),
        Command::Reject(a) => decide::run(g, a, false),
        Command::Approve(a) => approve::run(g, a),
        Command::Apply(a) => apply::run(g, a),
        Command::Notify { cmd } => notify::run(g, cmd),
        Command::Purge(a) => purge::run(g, a),
        Command::Movement(a) => movement::run(g, a),
        Command::Letters(a) => letters::run(g, a),
        Command::Links { cmd } => links::run(g, cmd),
        Command::Plan { cmd } => plan::run(g, cmd),
        Command::Platform { cmd } => platform::run(g, cmd),
        Command::Report(a) => report::run(g, a),
        Command::Rollover(a) => rollover::run(g, a),
        Command::Region { cmd } => region::run(g, cmd),
    }
}

/// A loaded workspace: its configuration, where outputs go, and today. Loading it locks
/// it (`.rollout/lock`) for as long as the command runs: every command that loads a
/// workspace writes state or outputs (even `plan status` and `plan gantt` record the day's
/// measures). `init`, `plan import`, `--help` and the reader child process load none.
pub struct Workspace {
    pub cfg: Config,
    pub out: PathBuf,
    pub today: chrono::NaiveDate,
    _lock: rollout::state::WorkspaceLock,
}

impl Workspace {
    pub fn load(g: &Global) -> Result<Workspace> {
        let cfg = load_config(&g.config)?;
        let holder = format!("rollout {}, процесс {}", g.command, std::process::id());
        let lock = rollout::state::lock_workspace(&cfg.root, &holder, std::time::Duration::from_secs(g.lock_timeout), |other| {
            rollout::errln!("rollout: внимание: рабочее место занято другой командой rollout ({other}) — жду…")
        })?;
        let out = g.out.clone().unwrap_or_else(|| cfg.root.join("out"));
        if out.exists() && !out.is_dir() {
            return Err(Error::Output(anyhow::anyhow!(
                "{} — это файл, а не папка: укажите в --out папку",
                out.display()
            )));
        }
        rollout::clock::check_pinned().map_err(Error::msg)?;
        let today = cfg.today();
        Ok(Workspace {
            cfg,
            out,
            today,
            _lock: lock,
        })
    }

    /// How tables are read: the isolated, budgeted child process of `[ingest]`.
    pub fn reader(&self) -> Reader {
        Reader::for_config(&self.cfg, ReadMode::current())
    }

    pub fn store(&self) -> Result<Store> {
        Ok(Store::open(&self.cfg.root)?)
    }

    /// Reads every source and builds the roster (a progress bar unless `quiet`). A person
    /// whose name or birth date was corrected keeps their id (`history::pins`): stored pins
    /// first, then new ones found against the latest recorded roster.
    pub fn roster(&self, quiet: bool) -> Result<Loaded> {
        let mut store = self.store()?;
        let salt = store.salt()?;
        let pb = progress_bar(quiet);
        let mut loaded = rollout::roster::load(&self.cfg, &salt, self.today, &ReadMode::current(), &pb);
        let complete = loaded.complete();
        match rollout::history::pins::settle(&self.cfg.root, &mut store, &mut loaded.roster, complete, self.today) {
            Ok(pins) if !pins.is_empty() => {
                // A parent's id is made from their children's: it follows a corrected child's.
                let parents = pins.iter().filter(|p| p.kind == rollout::roster::PersonKind::Parent).count();
                let of_them = if parents > 0 {
                    format!(
                        " (из них родителей — {parents}: их ID складываются из ID детей и следуют за ними, даже если данные самих родителей не менялись)"
                    )
                } else {
                    String::new()
                };
                rollout::errln!(
                    "rollout: {} с исправленными ФИО или датой рождения сохранили прежние ID{of_them}",
                    rollout::human::ru_count(pins.len(), ["человек", "человека", "человек"])
                )
            }
            Ok(_) => {}
            Err(e) => rollout::errln!(
                "rollout: внимание: ID людей с исправленными данными не сверены с историей списков: {}",
                rollout::error::one_line_ru(&e)
            ),
        }
        Ok(loaded)
    }

    /// Records the roster in the workspace history (`.rollout/history/`) once per content,
    /// and only when every source was read whole: a roster missing a file, or rows of a
    /// damaged one, would show everyone in it as having left. A failure to record is a
    /// warning, not the run's failure.
    pub fn record_history(&self, loaded: &Loaded, command: &str) -> Option<rollout::history::RunInfo> {
        let (unreadable, partly) = (loaded.unreadable, loaded.partly_read.len());
        if unreadable + partly > 0
            && let Err(e) = rollout::history::note_skipped(&self.cfg.root, command, self.today, unreadable, partly)
        {
            rollout::errln!("rollout: внимание: {}", rollout::error::one_line_ru(&e));
        }
        if !loaded.complete() || loaded.roster.people.is_empty() {
            return None;
        }
        match rollout::history::record(&self.cfg.root, &loaded.roster, command, self.today) {
            Ok((info, _)) => Some(info),
            Err(e) => {
                rollout::errln!(
                    "rollout: внимание: список не записан в историю: {}",
                    rollout::error::one_line_ru(&e)
                );
                None
            }
        }
    }
}

/// A command that writes into OUT starts here: what killed or failed runs left there is
/// removed, and every write is checked against and listed in `OUT/run.json`.
pub fn begin_outputs(ws: &Workspace, command: &str) {
    rollout::runlog::begin(&ws.out, command);
}

/// The outputs of the diff stage: stale together when the stage fails.
pub const DIFF_OUTPUTS: [&str; 4] = ["changes.json", "changes.xlsx", "matches.csv", "matching-summary.json"];

/// The stage of [`DIFF_OUTPUTS`], for people.
pub const DIFF_STAGE: &str = "сравнение с платформой";

/// One warning per stage whose outputs in OUT are stale (listed so in `OUT/run.json`).
pub fn warn_stale(ws: &Workspace) {
    let mut by_stage: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (rel, stage) in rollout::runlog::stale(&ws.out) {
        by_stage.entry(stage).or_default().push(rel);
    }
    for (stage, files) in by_stage {
        rollout::errln!(
            "rollout: внимание: в {} остались файлы прошлого запуска, этап которых сейчас не выполнен ({stage}) — они устарели: {}",
            ws.out.display(),
            files.join(", ")
        );
    }
}

/// Letters, SMS, reminders, the calendar and the report are signed or titled with the
/// organisation's name: the commands that render for people refuse an empty one.
pub fn require_org_name(ws: &Workspace) -> Result<()> {
    if ws.cfg.organization.name.trim().is_empty() {
        return Err(Error::msg(format!(
            "{}: не задано название организации ([organization] name) — им подписаны письма и озаглавлен отчёт; впишите его, например: name = \"ГБПОУ «Колледж»\"",
            ws.cfg.path.display()
        )));
    }
    Ok(())
}

pub fn load_config(path: &Path) -> Result<Config> {
    let cfg = Config::load(path)?;
    for key in &cfg.unknown_keys {
        rollout::errln!("rollout: внимание: {}: неизвестный ключ `{key}` (пропущен)", path.display());
    }
    Ok(cfg)
}

pub fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stdout().is_terminal() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} чтение файлов {pos}/{len} {wide_bar} {elapsed}") {
        pb.set_style(style);
    }
    pb
}

/// A day typed by the user: ISO or ДД.ММ.ГГГГ; none is `today`.
pub fn parse_day(s: Option<&str>, today: chrono::NaiveDate) -> Result<chrono::NaiveDate> {
    match s {
        None => Ok(today),
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(d.trim(), "%d.%m.%Y"))
            .map_err(|_| Error::msg(format!("«{d}» — не дата: напишите её как 01.03.2024 или 2024-03-01"))),
    }
}

pub fn check_platform_path(platform: Option<&Path>) -> Result<()> {
    match platform {
        Some(p) if !p.exists() => Err(Error::msg(format!(
            "--platform {}: такой папки или файла нет (нужна папка снимка платформы или файл выгрузки участников)",
            p.display()
        ))),
        _ => Ok(()),
    }
}

/// The change set from the configured (or given) platform source; None when there is none.
/// A platform that cannot be read is `Error::Unreadable` with `PlatformUnreadable` on top.
pub fn diff_if_platform(ws: &Workspace, loaded: &Loaded, platform: Option<&Path>, store: &Store) -> Result<Option<DiffOutcome>> {
    check_platform_path(platform)?;
    let Some(source) = rollout::platform::source(&ws.cfg, platform, &ws.reader()) else {
        return Ok(None);
    };
    let state = source
        .load()
        .map_err(|e| Error::Unreadable(anyhow::Error::new(e).context(PlatformUnreadable(describe_source(&source)))))?;
    for w in &state.warnings {
        rollout::errln!("rollout: внимание: {}", w.describe(&ws.cfg.root));
    }
    let placer = rollout::platform::place::ChatPlacer::new(&ws.cfg, &loaded.roster);
    for w in placer.subjects_not_in_load() {
        rollout::errln!("rollout: внимание: rollout.toml: {w}");
    }
    // Last year's entries of the chats a rollover proposal in effect places are not checked
    // against this year's groups.
    let rollover = rollout::rollover::effect::status(&ws.cfg, store, &loaded.roster, ws.today).map_err(Error::Unreadable)?;
    let unknown_groups = placer.check_map(&|id| rollover.effect().is_some_and(|e| e.place(id).is_some()));
    if !unknown_groups.is_empty() {
        return Err(Error::usage(rollout::config::ConfigError::Invalid {
            path: ws.cfg.path.clone(),
            problems: unknown_groups,
        }));
    }
    let d = rollout::changes::compute::compute_with(&ws.cfg, loaded, state, store, ws.today, &rollover).map_err(Error::Unreadable)?;
    for note in &d.rollover_notes {
        rollout::errln!("rollout: {note}");
    }
    Ok(Some(d))
}

/// What a platform source is, for people.
fn describe_source(source: &rollout::platform::PlatformSource) -> String {
    use rollout::platform::PlatformSource;
    match source {
        PlatformSource::Snapshot(s) => format!("снимок {}", s.dir.display()),
        PlatformSource::Export(e) => format!("выгрузка участников {}", e.path.display()),
        PlatformSource::Pulled(_) => "[platform] source = \"api\": последний полный снимок MAX Bot API".into(),
    }
}

/// The top of the error when the platform source could not be read.
#[derive(Debug)]
pub struct PlatformUnreadable(String);

impl std::fmt::Display for PlatformUnreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "не удалось прочитать платформу ({})", self.0)
    }
}

/// The `[platform]` keys that give platform data, for advice: the live API first.
pub const PLATFORM_KEYS: &str =
    "задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export";

/// What to do to have platform data: with `source = "api"` a pull, else the keys to set.
pub fn platform_advice(cfg: &rollout::config::Config) -> &'static str {
    if cfg.platform.source == Some(rollout::config::PlatformKind::Api) {
        "выполните rollout platform pull"
    } else {
        PLATFORM_KEYS
    }
}

/// Whether the platform data a command had to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformData {
    Read,
    /// No `[platform]` source and no `--platform`.
    NotConfigured,
    /// A source is configured but could not be read (warned once).
    Unreadable,
}

impl PlatformData {
    /// Exit 3 once the work is done when the platform could not be read (DESIGN: a source
    /// or the platform that could not be read at all).
    pub fn done(self) -> Done {
        if self == PlatformData::Unreadable {
            Done::Unreadable
        } else {
            Done::Clean
        }
    }

    /// Why there is no platform data, for a sentence: «Данных платформы нет (…)».
    pub fn why_none(self) -> &'static str {
        match self {
            PlatformData::Unreadable => "платформа не прочитана",
            _ => "[platform] не задан",
        }
    }
}

/// The commands that report for people (letters, links status, report, plans, the
/// dashboard of `run`) go on without the platform when it cannot be read: one warning
/// with its causes, then `PlatformData::Unreadable`. Any other error stays an error.
pub fn tolerate_platform<T>(r: Result<T>) -> Result<std::result::Result<T, PlatformData>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(Error::Unreadable(e)) if e.downcast_ref::<PlatformUnreadable>().is_some() => {
            let lines = rollout::error::lines_ru(e.chain());
            let (top, causes) = lines.split_first().map(|(t, c)| (t.as_str(), c)).unwrap_or(("", &[]));
            rollout::errln!("rollout: внимание: {top} — сделано всё, что можно без неё; показатели платформы: «нет данных»");
            for cause in causes {
                rollout::errln!("  причина: {cause}");
            }
            Ok(Err(PlatformData::Unreadable))
        }
        Err(e) => Err(e),
    }
}

/// What `letters`, `links status`, `report` and measured plans start from: the platform and
/// its change set, the current links — recorded in the state store (link history, joins).
pub struct LinkContext {
    pub store: Store,
    pub diff: Option<DiffOutcome>,
    pub platform: PlatformData,
    pub chats: Vec<PlacedChat>,
    pub links: LinkSet,
}

pub fn link_context(ws: &Workspace, loaded: &Loaded, platform: Option<&Path>) -> Result<LinkContext> {
    let mut store = ws.store()?;
    let (mut diff, platform) = match tolerate_platform(diff_if_platform(ws, loaded, platform, &store))? {
        Ok(Some(d)) => (Some(d), PlatformData::Read),
        Ok(None) => (None, PlatformData::NotConfigured),
        Err(why) => (None, why),
    };
    let chats = diff.as_mut().map(|d| std::mem::take(&mut d.chats)).unwrap_or_default();
    let links = rollout::links::set::collect(&ws.cfg, &loaded.roster, &chats, &ws.reader());
    // Without platform data nothing is known about the platform's links: the history
    // keeps them rather than retiring each. A workspace that never had a platform keeps
    // the history of its links file.
    let platform_links_known = match platform {
        PlatformData::Read => true,
        PlatformData::Unreadable => false,
        PlatformData::NotConfigured => !store
            .link_history()?
            .iter()
            .any(|h| h.retired.is_none() && h.source.starts_with("platform:")),
    };
    if platform_links_known {
        store.record_links(&links.rows(), &rollout::links::set::latest_joins(&chats), ws.today)?;
    }
    Ok(LinkContext {
        store,
        diff,
        platform,
        chats,
        links,
    })
}

/// Usage per group and branch; without a platform, shares are unknown.
pub fn measure_usage(
    ws: &Workspace,
    loaded: &Loaded,
    diff: Option<&DiffOutcome>,
    chats: &[PlacedChat],
    links: &LinkSet,
) -> rollout::plans::measure::Usage {
    let linked = links.current.keys().cloned().collect();
    rollout::plans::measure::measure(&rollout::plans::measure::MeasureInput {
        cfg: &ws.cfg,
        roster: &loaded.roster,
        chats: diff.map(|_| chats),
        matches: diff.map(|d| d.matches.as_slice()).unwrap_or(&[]),
        linked: &linked,
    })
}

/// The roster (when `roster`) and the problems, written to OUT (an output that cannot be
/// written is exit 2); true when the roster was written. No data read from any source
/// makes no roster: the last good one stays, and with no source at all the problems too.
pub fn write_roster(ws: &Workspace, loaded: &Loaded, roster: bool) -> Result<bool> {
    use anyhow::Context;
    if loaded.sheets == 0 {
        let had_roster = ws.out.join("roster").join("people.csv").exists();
        let had_problems = ws.out.join("problems.csv").exists();
        let out = ws.out.display();
        if loaded.files == 0 && loaded.unreadable == 0 && loaded.unlisted.is_empty() {
            if roster && had_roster {
                rollout::errln!("rollout: внимание: источников нет — реестр и список проблем не обновлены: в {out} остались прежние");
            } else if !roster && had_problems {
                rollout::errln!("rollout: внимание: источников нет — список проблем не обновлён: в {out} остался прежний");
            } else if roster {
                rollout::errln!("rollout: внимание: источников нет — реестр не записан");
            }
            return Ok(false);
        }
        if roster {
            if had_roster {
                rollout::errln!(
                    "rollout: внимание: данные не прочитаны ни из одного источника — реестр не обновлён: в {} остался прежний",
                    ws.out.join("roster").display()
                );
            } else {
                rollout::errln!("rollout: внимание: данные не прочитаны ни из одного источника — реестр не записан");
            }
        }
    }
    rollout::output::ensure_dir(&ws.out)
        .with_context(|| format!("не удалось создать папку {}", ws.out.display()))
        .map_err(Error::Output)?;
    let written = roster && loaded.sheets > 0;
    if written {
        let branches: Vec<String> = ws.cfg.branches.iter().map(|b| b.name.clone()).collect();
        rollout::output::roster::write_roster(&ws.out, &loaded.roster, &branches).map_err(Error::Output)?;
    }
    rollout::output::roster::write_problems(&ws.out, &loaded.problems).map_err(Error::Output)?;
    Ok(written)
}
