//! Front-end benchmark: `brief check` against `protoc` on equivalent contracts.
//!
//! Generates 1,000 `.brief` files (about 100,000 lines: services, rpcs with modifiers,
//! messages with docs and fields of every type, enums, errors, schemas, imports between
//! files) and the same contracts as proto3 files, then times, interleaved, several runs of
//! the release `brief check <dir>` and `protoc --descriptor_set_out=/dev/null -I <dir>
//! <files>`, and writes the medians into `docs/benchmarks.md` between
//! `<!-- frontend:start -->` and `<!-- frontend:end -->`.
//!
//! ```text
//! cargo bench -p brief --bench frontend
//! ```
//!
//! Then, at scale, what the front end costs when a file is large or full of problems:
//! 20,000 duplicate declarations, 20,000 unknown types, and a valid 60 MB file with
//! thousands of warnings, each timed (median) with its peak memory (VmHWM, Linux), for
//! this build and, when `BRIEF_BASELINE_BIN` names one, an older build.
//!
//! Knobs: `FRONTEND_FILES` (default 1000), `FRONTEND_REPS` (default 9),
//! `FRONTEND_PARTS` (`protoc,scale`: which parts to run, each writing its own section),
//! `FRONTEND_SCALE_REPS` (default 3), `FRONTEND_NO_WRITE=1` (print only),
//! `FRONTEND_KEEP=1` (keep the generated files), `BRIEF_BIN` (the binary to time;
//! default: the one cargo built for this bench), `BRIEF_BASELINE_BIN` (an older build to
//! compare with at scale, e.g. one built from main before a change).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const GROUPS: usize = 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// A field type, written the same way into both languages.
#[derive(Clone)]
enum Ty {
    Scalar(&'static str),
    Named(String),
}

#[derive(Clone)]
enum Shape {
    Plain,
    Optional,
    List,
    Map,
}

struct FieldSpec {
    name: String,
    ty: Ty,
    shape: Shape,
    deprecated: bool,
    doc: Option<String>,
}

struct MessageSpec {
    name: String,
    doc: Option<String>,
    fields: Vec<FieldSpec>,
}

struct RpcSpec {
    name: String,
    input: String,
    output: String,
    idempotent: bool,
    readonly: bool,
    deprecated: bool,
    timeout_ms: Option<u32>,
    throws: bool,
    doc: Option<String>,
}

struct FileSpec {
    /// `gNN/fNNNN`, without extension.
    stem: String,
    imports: Vec<usize>,
    service: Option<String>,
    rpcs: Vec<RpcSpec>,
    schema: Option<(String, String)>,
    error: (String, String),
    enum_: (String, Vec<String>),
    messages: Vec<MessageSpec>,
}

const SCALARS: &[(&str, &str)] = &[
    ("bool", "bool"),
    ("int", "int64"),
    ("float", "double"),
    ("string", "string"),
    ("bytes", "bytes"),
    ("time", "google.protobuf.Timestamp"),
];

const WORDS: &[&str] = &[
    "account", "amount", "balance", "created", "currency", "customer", "deadline", "email",
    "enabled", "expires", "external", "group", "height", "image", "invoice", "label", "limit",
    "locale", "merchant", "name", "note", "offset", "owner", "parent", "payload", "phone", "price",
    "quantity", "reason", "region", "score", "session", "source", "status", "summary", "target",
    "title", "token", "total", "updated", "user", "version", "weight", "width",
];

const DOCS: &[&str] = &[
    "The identifier the caller chose",
    "When the record was last changed, in UTC",
    "Free text shown to the operator",
    "Total in minor units of the currency",
    "Set when the item was imported from another system",
    "How many items the page may hold",
];

fn stem(i: usize, files: usize) -> String {
    let per_group = files.div_ceil(GROUPS).max(1);
    format!("g{:02}/f{:04}", i / per_group, i)
}

fn generate_specs(files: usize) -> Vec<FileSpec> {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut specs = Vec::with_capacity(files);
    for i in 0..files {
        let mut imports = Vec::new();
        if i > 0 {
            imports.push(i - 1);
            if i > 10 && rng.chance(2) {
                imports.push(rng.below(i - 1));
            }
        }
        // Imported messages this file may use: the first message of each import.
        let imported: Vec<String> = imports.iter().map(|&j| format!("Order{j}")).collect();
        let enum_name = format!("Status{i}");
        let enum_values = [
            "active",
            "suspended",
            "closed",
            "pending_review",
            "archived",
        ]
        .iter()
        .take(3 + rng.below(3))
        .map(|v| v.to_string())
        .collect();
        let names = [
            format!("Order{i}"),
            format!("LineItem{i}"),
            format!("Customer{i}"),
            format!("GetOrderIn{i}"),
            format!("GetOrderOut{i}"),
            format!("ListOrdersIn{i}"),
        ];
        let mut messages = Vec::new();
        for (mi, name) in names.iter().enumerate() {
            let count = 8 + rng.below(8);
            let mut fields = Vec::new();
            let mut used = std::collections::HashSet::new();
            fields.push(FieldSpec {
                name: "id".into(),
                ty: Ty::Scalar("int"),
                shape: Shape::Plain,
                deprecated: false,
                doc: Some("The identifier".into()),
            });
            used.insert("id".to_string());
            // Every import is used by the first message of this file.
            if mi == 0 {
                for (k, imp) in imported.iter().enumerate() {
                    fields.push(FieldSpec {
                        name: format!("related{k}"),
                        ty: Ty::Named(imp.clone()),
                        shape: Shape::Optional,
                        deprecated: false,
                        doc: Some("From another contract".into()),
                    });
                }
            }
            while fields.len() < count {
                let word = WORDS[rng.below(WORDS.len())];
                let name = if used.contains(word) {
                    format!("{word}{}", fields.len())
                } else {
                    word.to_string()
                };
                used.insert(name.clone());
                let ty = match rng.below(10) {
                    // Messages declared later in the file may be referenced too; only
                    // later ones by index, so no message contains itself.
                    0 if mi + 1 < names.len() => {
                        Ty::Named(names[mi + 1 + rng.below(names.len() - mi - 1)].clone())
                    }
                    1 => Ty::Named(enum_name.clone()),
                    _ => Ty::Scalar(SCALARS[rng.below(SCALARS.len())].0),
                };
                let shape = match rng.below(8) {
                    0 | 1 => Shape::Optional,
                    2 => Shape::List,
                    3 => Shape::Map,
                    _ => Shape::Plain,
                };
                fields.push(FieldSpec {
                    name,
                    ty,
                    shape,
                    deprecated: rng.chance(20),
                    doc: rng
                        .chance(2)
                        .then(|| DOCS[rng.below(DOCS.len())].to_string()),
                });
            }
            messages.push(MessageSpec {
                name: name.clone(),
                doc: (mi < 3).then(|| format!("A {} as the API shows it", name.to_lowercase())),
                fields,
            });
        }
        let has_service = i % 3 != 2;
        let mut rpcs = Vec::new();
        if has_service {
            for (r, (input, output)) in [
                (&names[3], &names[4]),
                (&names[5], &names[0]),
                (&names[3], &names[1]),
                (&names[0], &names[2]),
            ]
            .iter()
            .enumerate()
            {
                let readonly = r % 2 == 0 && rng.chance(2);
                rpcs.push(RpcSpec {
                    name: ["getOrder", "listOrders", "getLineItem", "updateCustomer"][r].into(),
                    input: (*input).clone(),
                    output: (*output).clone(),
                    idempotent: !readonly && rng.chance(2),
                    readonly,
                    deprecated: rng.chance(10),
                    timeout_ms: rng.chance(2).then(|| 100 * (1 + rng.below(30)) as u32),
                    throws: rng.chance(2),
                    doc: Some("Does what its name says".into()),
                });
            }
        }
        specs.push(FileSpec {
            stem: stem(i, files),
            imports,
            service: has_service.then(|| format!("order-store{i}")),
            rpcs,
            schema: rng
                .chance(4)
                .then(|| (format!("orders.created-{i}"), names[0].clone())),
            error: (format!("NotFound{i}"), "not_found".into()),
            enum_: (enum_name, enum_values),
            messages,
        });
    }
    specs
}

fn brief_type(f: &FieldSpec) -> String {
    let base = match &f.ty {
        Ty::Scalar(s) => s.to_string(),
        Ty::Named(n) => n.clone(),
    };
    match f.shape {
        Shape::Plain => base,
        Shape::Optional => format!("{base}?"),
        Shape::List => format!("[]{base}"),
        Shape::Map => format!("map[string]{base}"),
    }
}

fn relative_import(from: &str, to: &str, ext: &str) -> String {
    let (fg, _) = from.split_once('/').unwrap();
    let (tg, tf) = to.split_once('/').unwrap();
    if fg == tg {
        format!("{tf}.{ext}")
    } else {
        format!("../{tg}/{tf}.{ext}")
    }
}

fn write_brief(spec: &FileSpec, specs: &[FileSpec]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// {}.brief: generated for the front-end benchmark\n",
        spec.stem
    );
    for &j in &spec.imports {
        let _ = writeln!(
            s,
            "import \"{}\"",
            relative_import(&spec.stem, &specs[j].stem, "brief")
        );
    }
    if !spec.imports.is_empty() {
        s.push('\n');
    }
    if let Some(service) = &spec.service {
        let _ = writeln!(s, "service \"{service}\" `Orders and their customers`\n");
        for r in &spec.rpcs {
            let _ = write!(s, "rpc {} ({}) {}", r.name, r.input, r.output);
            if r.readonly {
                s.push_str(" readonly");
            }
            if r.idempotent {
                s.push_str(" idempotent");
            }
            if let Some(ms) = r.timeout_ms {
                let _ = write!(s, " timeout({ms}ms)");
            }
            if r.deprecated {
                s.push_str(" deprecated");
            }
            if r.throws {
                let _ = write!(s, " throws({})", spec.error.0);
            }
            if let Some(doc) = &r.doc {
                let _ = write!(s, " `{doc}`");
            }
            s.push('\n');
        }
        s.push('\n');
    }
    if let Some((topic, message)) = &spec.schema {
        let _ = writeln!(
            s,
            "schema \"{topic}\" {message} `Published after creation`\n"
        );
    }
    let _ = writeln!(
        s,
        "error {}({}) {{ id int }} `No such order`\n",
        spec.error.0, spec.error.1
    );
    let _ = writeln!(s, "enum {} {{", spec.enum_.0);
    for (k, v) in spec.enum_.1.iter().enumerate() {
        if k == 0 {
            let _ = writeln!(s, "    {v} `The usual state`");
        } else {
            let _ = writeln!(s, "    {v}");
        }
    }
    s.push_str("} `Where an order is in its life`\n");
    for m in &spec.messages {
        let _ = writeln!(s, "\nmessage {} {{", m.name);
        let width = m.fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
        for f in &m.fields {
            let mut line = format!("    {:width$} {}", f.name, brief_type(f));
            if f.deprecated {
                line.push_str(" deprecated");
            }
            if let Some(doc) = &f.doc {
                let _ = write!(line, " `{doc}`");
            }
            s.push_str(&line);
            s.push('\n');
        }
        s.push('}');
        if let Some(doc) = &m.doc {
            let _ = write!(s, " `{doc}`");
        }
        s.push('\n');
    }
    s
}

fn proto_scalar(s: &str) -> &'static str {
    SCALARS.iter().find(|(b, _)| *b == s).unwrap().1
}

fn pascal(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in s.chars() {
        if c == '_' || c == '-' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn write_proto(spec: &FileSpec, specs: &[FileSpec]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// {}.proto: generated for the front-end benchmark\n",
        spec.stem
    );
    s.push_str("syntax = \"proto3\";\n\npackage bench;\n\n");
    s.push_str("import \"google/protobuf/timestamp.proto\";\n");
    for &j in &spec.imports {
        let _ = writeln!(s, "import \"{}.proto\";", specs[j].stem);
    }
    s.push('\n');
    if let Some(service) = &spec.service {
        s.push_str("// Orders and their customers\n");
        let _ = writeln!(s, "service {} {{", pascal(service));
        for r in &spec.rpcs {
            if let Some(doc) = &r.doc {
                let _ = writeln!(s, "  // {doc}");
            }
            if r.throws {
                let _ = writeln!(s, "  // Errors: {}", spec.error.0);
            }
            let _ = write!(
                s,
                "  rpc {}({}) returns ({})",
                pascal(&r.name),
                r.input,
                r.output
            );
            let mut options = Vec::new();
            if r.readonly {
                options.push("option idempotency_level = NO_SIDE_EFFECTS;".to_string());
            } else if r.idempotent {
                options.push("option idempotency_level = IDEMPOTENT;".to_string());
            }
            if r.deprecated {
                options.push("option deprecated = true;".to_string());
            }
            if let Some(ms) = r.timeout_ms {
                // proto has no timeout; a comment keeps the text the same size.
                options.push(format!("// timeout: {ms}ms"));
            }
            if options.is_empty() {
                s.push_str(";\n");
            } else {
                s.push_str(" {\n");
                for o in options {
                    let _ = writeln!(s, "    {o}");
                }
                s.push_str("  }\n");
            }
        }
        s.push_str("}\n\n");
    }
    if let Some((topic, message)) = &spec.schema {
        let _ = writeln!(s, "// Event {topic}: {message}, published after creation\n");
    }
    let _ = writeln!(
        s,
        "// No such order (code {})\nmessage {} {{\n  int64 id = 1;\n}}\n",
        spec.error.1, spec.error.0
    );
    s.push_str("// Where an order is in its life\n");
    let _ = writeln!(s, "enum {} {{", spec.enum_.0);
    let prefix = spec.enum_.0.to_uppercase();
    let _ = writeln!(s, "  {prefix}_UNSPECIFIED = 0;");
    for (k, v) in spec.enum_.1.iter().enumerate() {
        if k == 0 {
            s.push_str("  // The usual state\n");
        }
        let _ = writeln!(s, "  {prefix}_{} = {};", v.to_uppercase(), k + 1);
    }
    s.push_str("}\n");
    for m in &spec.messages {
        s.push('\n');
        if let Some(doc) = &m.doc {
            let _ = writeln!(s, "// {doc}");
        }
        let _ = writeln!(s, "message {} {{", m.name);
        for (n, f) in m.fields.iter().enumerate() {
            let base = match &f.ty {
                Ty::Scalar(b) => proto_scalar(b).to_string(),
                Ty::Named(t) => t.clone(),
            };
            let ty = match f.shape {
                Shape::Plain => base,
                Shape::Optional => format!("optional {base}"),
                Shape::List => format!("repeated {base}"),
                Shape::Map => format!("map<string, {base}>"),
            };
            let opts = if f.deprecated {
                " [deprecated = true]"
            } else {
                ""
            };
            let _ = write!(s, "  {ty} {} = {}{opts};", f.name, n + 1);
            if let Some(doc) = &f.doc {
                let _ = write!(s, " // {doc}");
            }
            s.push('\n');
        }
        s.push_str("}\n");
    }
    s
}

fn generate(root: &Path, files: usize) -> (Vec<PathBuf>, usize, usize, usize) {
    let specs = generate_specs(files);
    let (mut brief_lines, mut proto_lines, mut brief_bytes) = (0, 0, 0);
    let mut proto_files = Vec::new();
    for spec in &specs {
        let b = write_brief(spec, &specs);
        let p = write_proto(spec, &specs);
        brief_lines += b.lines().count();
        proto_lines += p.lines().count();
        brief_bytes += b.len();
        let bp = root.join("brief").join(format!("{}.brief", spec.stem));
        let pp = root.join("proto").join(format!("{}.proto", spec.stem));
        std::fs::create_dir_all(bp.parent().unwrap()).unwrap();
        std::fs::create_dir_all(pp.parent().unwrap()).unwrap();
        std::fs::write(&bp, b).unwrap();
        std::fs::write(&pp, p).unwrap();
        proto_files.push(PathBuf::from(format!("{}.proto", spec.stem)));
    }
    (proto_files, brief_lines, proto_lines, brief_bytes)
}

fn brief_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("BRIEF_BIN") {
        return PathBuf::from(p);
    }
    if let Some(p) = option_env!("CARGO_BIN_EXE_brief") {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-p", "brief", "--bin", "brief"])
        .current_dir(&workspace)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --release -p brief failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    target.join("release").join("brief")
}

fn time_once(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run the command");
    let elapsed = start.elapsed();
    assert!(status.success(), "{cmd:?} failed");
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `YYYY-MM-DD` (UTC) without a date library.
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// `doc` with the block between `<!-- NAME:start -->` and `<!-- NAME:end -->` replaced
/// by `section`; a missing block goes after the line `after` (when there is one), else at
/// the end.
fn replace_section(doc: &str, name: &str, section: &str, after: Option<&str>) -> String {
    let start = format!("<!-- {name}:start -->");
    let end = format!("<!-- {name}:end -->");
    let block = format!("{start}\n{section}{end}");
    match (doc.find(&start), doc.find(&end)) {
        (Some(s), Some(e)) if e > s => {
            format!("{}{block}{}", &doc[..s], &doc[e + end.len()..])
        }
        _ => match after.and_then(|a| doc.find(a).map(|i| i + a.len())) {
            Some(at) => format!("{}\n{block}{}", &doc[..at], &doc[at..]),
            None => {
                let mut out = doc.trim_end().to_string();
                out.push_str("\n\n");
                out.push_str(&block);
                out.push('\n');
                out
            }
        },
    }
}

/// Writes a section of docs/benchmarks.md (unless FRONTEND_NO_WRITE is set).
fn write_section(name: &str, section: &str, after: Option<&str>) {
    if std::env::var_os("FRONTEND_NO_WRITE").is_some() {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nMeasurements of the brief tools. Each section is written by the \
         benchmark named in it; rerun that benchmark to refresh it.\n"
            .to_string()
    });
    std::fs::write(&path, replace_section(&existing, name, section, after))
        .expect("write benchmarks.md");
    eprintln!("wrote the {name} section of {}", path.display());
}

/// The inputs of the scale part: what it is, a file name, the text.
fn scale_inputs() -> Vec<(&'static str, &'static str, String)> {
    let duplicates = "message M {}\n".repeat(20_000);
    let mut unknown = String::from("message M {\n");
    for i in 0..20_000 {
        let _ = writeln!(unknown, "    f{i} Unknown{i}");
    }
    unknown.push_str("}\n");
    // Valid, with a snake_case field (a warning) in every tenth message.
    let mut large = String::from("service \"big\"\n");
    let mut i = 0;
    while large.len() < 60_000_000 {
        let count = if i % 10 == 0 { "item_count" } else { "count" };
        let _ = write!(
            large,
            "rpc call{i} (In{i}) Out{i} idempotent timeout(2s) `Calls {i}`\n\
             message In{i} {{\n    name string `The name`\n    {count} int\n    tags []string?\n}}\n\
             message Out{i} {{\n    items map[string]In{i}\n}}\n"
        );
        i += 1;
    }
    vec![
        (
            "20,000 duplicate declarations",
            "duplicates.brief",
            duplicates,
        ),
        ("20,000 unknown types", "unknown.brief", unknown),
        (
            "valid 60 MB file (a warning in every tenth message)",
            "large.brief",
            large,
        ),
    ]
}

/// What one run cost: wall time (`None` when it ran past the limit and was stopped),
/// CPU time and peak resident memory.
struct Cost {
    time: Option<Duration>,
    cpu: Duration,
    peak_kib: u64,
}

/// User plus system CPU time of a running process, from /proc (clock ticks of 10 ms,
/// the Linux default).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs the command, following its peak resident memory and CPU time in /proc (read
/// every few milliseconds until it exits), and stops it after `limit`.
fn measure(cmd: &mut Command, limit: Duration) -> Cost {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the command");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let mut cpu = Duration::ZERO;
    loop {
        cpu = cpu_time(child.id()).unwrap_or(cpu).max(cpu);
        if let Some(line) = std::fs::read_to_string(&status_path).ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        }) {
            let kib = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak_kib = peak_kib.max(kib);
        }
        if child.try_wait().expect("wait").is_some() {
            return Cost {
                time: Some(start.elapsed()),
                cpu,
                peak_kib,
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Cost {
                time: None,
                cpu,
                peak_kib,
            };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `"1.23 s (CPU 1.10 s), 456 MB"`: medians of `reps` runs, or how long it ran before
/// it was stopped.
fn scale_cell(bin: &Path, file: &Path, large: bool, baseline: bool, reps: usize) -> String {
    const LIMIT: Duration = Duration::from_secs(120);
    let mut times = Vec::new();
    let mut cpus = Vec::new();
    let mut peak = 0;
    for _ in 0..reps {
        let mut cmd = Command::new(bin);
        cmd.arg("check");
        // Older builds read any size; this one needs the limit raised for 60 MB.
        if large && !baseline {
            cmd.args(["--max-file-size", "64MiB"]);
        }
        cmd.arg(file);
        let cost = measure(&mut cmd, LIMIT);
        peak = peak.max(cost.peak_kib);
        match cost.time {
            Some(t) => times.push(t),
            None => {
                return format!(
                    "stopped after {} s (CPU {:.1} s), {} MB",
                    LIMIT.as_secs(),
                    cost.cpu.as_secs_f64(),
                    peak / 1024
                )
            }
        }
        cpus.push(cost.cpu);
    }
    format!(
        "{:.2} s (CPU {:.2} s), {} MB",
        median(times).as_secs_f64(),
        median(cpus).as_secs_f64(),
        peak / 1024
    )
}

fn scale_section(root: &Path, brief: &Path) -> String {
    let reps: usize = std::env::var("FRONTEND_SCALE_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let baseline = std::env::var_os("BRIEF_BASELINE_BIN").map(PathBuf::from);
    let dir = root.join("scale");
    std::fs::create_dir_all(&dir).unwrap();
    let mut section = String::new();
    let _ = writeln!(
        section,
        "### At scale: many diagnostics, a large file\n\n\
         `brief check FILE` (release), median of {reps} runs, wall time and peak resident \
         memory (VmHWM). Diagnostics are rendered through one line index per file and at most \
         100 errors and 100 warnings are shown per file, the rest counted; the parser keeps one \
         declaration's tokens at a time. Runs are stopped after 120 s.\n"
    );
    match &baseline {
        Some(b) => {
            let _ = writeln!(
                section,
                "| input | this build | before (`{}`) |\n|---|---:|---:|",
                b.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            );
        }
        None => {
            let _ = writeln!(section, "| input | this build |\n|---|---:|");
        }
    }
    for (name, file_name, text) in scale_inputs() {
        let file = dir.join(file_name);
        std::fs::write(&file, &text).unwrap();
        let large = text.len() > 16 << 20;
        let mine = scale_cell(brief, &file, large, false, reps);
        eprintln!("{name}: {mine}");
        let row = match &baseline {
            Some(b) => {
                let theirs = scale_cell(b, &file, large, true, reps);
                eprintln!("{name} (before): {theirs}");
                format!("| {name} | {mine} | {theirs} |")
            }
            None => format!("| {name} | {mine} |"),
        };
        let _ = writeln!(section, "{row}");
    }
    section.push('\n');
    section
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that is not ours means skip.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && a != "frontend")
    {
        return;
    }
    let root = std::env::temp_dir().join(format!("brief-frontend-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let brief = brief_binary();
    let parts = std::env::var("FRONTEND_PARTS").unwrap_or_else(|_| "protoc,scale".into());
    if parts.contains("protoc") {
        let section = protoc_section(&root, &brief);
        write_section("frontend", &section, None);
    }
    if parts.contains("scale") {
        let section = scale_section(&root, &brief);
        print!("{section}");
        write_section("frontend-scale", &section, Some("<!-- frontend:end -->"));
    }
    if std::env::var_os("FRONTEND_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// `brief check` against `protoc` on 1,000 equivalent files.
fn protoc_section(root: &Path, brief: &Path) -> String {
    let files: usize = std::env::var("FRONTEND_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let reps: usize = std::env::var("FRONTEND_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9)
        .max(1);
    let (proto_files, brief_lines, proto_lines, brief_bytes) = generate(root, files);
    eprintln!(
        "generated {files} .brief files ({brief_lines} lines, {:.1} MB) and {files} .proto files \
         ({proto_lines} lines) in {}",
        brief_bytes as f64 / 1e6,
        root.display()
    );

    let brief_dir = root.join("brief");
    let proto_dir = root.join("proto");
    let brief_cmd = || {
        let mut c = Command::new(brief);
        c.arg("check").arg(&brief_dir);
        c
    };
    let protoc_cmd = || {
        let mut c = Command::new("protoc");
        c.arg("--descriptor_set_out=/dev/null")
            .args(["-I", "."])
            .args(&proto_files)
            .current_dir(&proto_dir);
        c
    };

    // Both must accept their inputs cleanly, or the comparison means nothing.
    let out = brief_cmd().output().expect("run brief");
    let diagnostics = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && diagnostics.trim().is_empty(),
        "brief check reported problems in the generated files:\n{}",
        diagnostics.chars().take(4000).collect::<String>()
    );
    let out = protoc_cmd()
        .output()
        .expect("run protoc (apt-get install protobuf-compiler)");
    assert!(
        out.status.success(),
        "protoc rejected the generated files:\n{}",
        String::from_utf8_lossy(&out.stderr)
            .chars()
            .take(4000)
            .collect::<String>()
    );

    let (mut brief_times, mut protoc_times) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        brief_times.push(time_once(&mut brief_cmd()));
        protoc_times.push(time_once(&mut protoc_cmd()));
    }
    let (b, p) = (median(brief_times.clone()), median(protoc_times.clone()));
    let brief_rate = brief_lines as f64 / b.as_secs_f64();
    let proto_rate = proto_lines as f64 / p.as_secs_f64();
    let protoc_version = Command::new("protoc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let range = |v: &[Duration]| {
        let min = v.iter().min().copied().unwrap_or_default();
        let max = v.iter().max().copied().unwrap_or_default();
        format!("{:.0}–{:.0}", ms(min), ms(max))
    };

    let mut section = String::new();
    let _ = writeln!(section, "## Front end: `brief check` vs `protoc`\n");
    let _ = writeln!(
        section,
        "Measured {} on {} ({cores} cores), {reps} interleaved runs each, wall time of the \
         whole process. Input: {files} generated files per language with the same services, \
         rpcs, messages, fields, enums and imports — {brief_lines} lines of brief \
         ({:.1} MB), {proto_lines} lines of proto3. Reproduce with \
         `cargo bench -p brief --bench frontend`.\n",
        today(),
        cpu_model(),
        brief_bytes as f64 / 1e6
    );
    let _ = writeln!(section, "| command | median | range (ms) | lines/s |");
    let _ = writeln!(section, "|---|---:|---:|---:|");
    let _ = writeln!(
        section,
        "| `brief check <dir>` (release) | {:.0} ms | {} | {:.0} |",
        ms(b),
        range(&brief_times),
        brief_rate
    );
    let _ = writeln!(
        section,
        "| `protoc --descriptor_set_out=/dev/null` ({protoc_version}) | {:.0} ms | {} | {:.0} |",
        ms(p),
        range(&protoc_times),
        proto_rate
    );
    let _ = writeln!(
        section,
        "\nbrief takes {:.2}× protoc's time ({}).\n",
        b.as_secs_f64() / p.as_secs_f64(),
        if b <= p {
            "no slower than protoc"
        } else {
            "slower than protoc"
        }
    );
    print!("{section}");
    section
}
