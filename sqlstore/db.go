package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/plaudit/plaudit"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The dialects Open knows.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// DB is a Plaudit store in a SQL database. It implements plaudit.Store; other areas add their methods to it
// in their own files of this package (see the package documentation).
type DB struct {
	db      *sql.DB
	dialect Dialect
	name    string // the DSN with any password masked, for messages

	// PostgreSQL: the connection settings, for the connections a bulk append opens of its own, and the DSN,
	// only to scrub its password from their errors.
	pgConfig *pgx.ConnConfig
	dsn      string

	stmtMu     sync.Mutex
	insertStmt *sql.Stmt // SQLite's INSERT of a full chunk of events, prepared on first use

	// SQLite's WAL is checkpointed by a goroutine of its own, kicked after each commit, so that copying
	// pages back into the database file happens beside the writer instead of inside its commit.
	checkpointKick chan struct{}
	checkpointStop chan struct{}
	checkpointDone chan struct{}
	checkpoints    atomic.Int64 // checkpoints run, for tests
	checkpointMu   sync.Mutex   // held by whoever of this DB runs a checkpoint
	walPath        string       // SQLite's WAL file, when the DSN is a plain path ("" for a file: URI)

	// SQLite: the lock that keeps other processes from migrating the file at the same time, held from
	// before the first connection until the migrations are done (see migrate_lock.go).
	migrationLock *fileLock
}

var _ plaudit.Store = (*DB)(nil)

// IsPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store named by dsn and brings its schema up to date. A postgres:// or postgresql:// URL
// opens PostgreSQL; anything else is a SQLite file path (or a file: URI), created if it does not exist.
// Errors never contain the DSN's password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "open store: empty database name")
	}
	var (
		db  *DB
		err error
	)
	if IsPostgres(dsn) {
		db, err = openPostgres(ctx, dsn)
	} else {
		db, err = openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	err = db.migrate(ctx)
	db.migrationLock.unlock() // SQLite: taken by openSQLite before its first connection
	db.migrationLock = nil
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", db.name, scrub(err, dsn))
	}
	if db.dialect == SQLite {
		// Start the pool afresh: the connection that created a new database file (and so changed its page
		// size to 16 KiB) held some 80 MB more than a fresh one through an import of a million events
		// (peak 265 MB instead of 187), and the pool would hand it to the import.
		db.db.SetMaxIdleConns(0)
		db.db.SetMaxIdleConns(sqliteIdleConns)
	}
	return db, nil
}

// sqlitePragmas are set on every SQLite connection: 16 KiB pages for a new database (an existing one keeps
// its own), WAL so that readers never block the writer, NORMAL synchronisation (a committed transaction
// survives a crash of the process; WAL keeps the file consistent even on power loss), a generous busy
// timeout for concurrent writers, foreign keys, and a larger page cache for bulk appends. Write
// transactions begin IMMEDIATE so that two writers queue on the busy timeout instead of failing on a lock
// upgrade. The background checkpointer (see checkpointLoop) keeps the WAL short; the writer's own automatic
// checkpoint only steps in past 1024 pages (16 MiB), should it fall behind.
//
// 16 KiB rather than SQLite's 4 KiB pages: an import of a million generated events writes a quarter as many
// WAL frames and runs 15–20% faster, and appends of 500 events at a time to a log of a million ran as fast
// as with 4 KiB pages (docs/performance.md).
//
// The driver runs the _pragma list in alphabetical order and _journal_mode after it: page_size must come
// before the switch to WAL, which writes the new database's first page.
const sqlitePragmas = "_pragma=page_size(16384)&_pragma=busy_timeout(10000)&_journal_mode=WAL&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(1)&_pragma=cache_size(-" + sqliteCacheKiB + ")&_pragma=temp_store(MEMORY)" +
	"&_pragma=wal_autocheckpoint(" + sqliteAutocheckpoint + ")&_txlock=immediate"

// The page cache (KiB) and automatic checkpoint (pages) of every SQLite connection; a bulk append turns
// the automatic checkpoint off for its connection and restores it after.
const (
	sqliteCacheKiB       = "32768"
	sqliteAutocheckpoint = "1024"
	sqliteIdleConns      = 4
)

func openSQLite(ctx context.Context, path string) (*DB, error) {
	uri := path
	if !strings.HasPrefix(path, "file:") {
		dir := filepath.Dir(path)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, plaudit.Errorf(plaudit.EINVALID, "open sqlite %s: folder %s does not exist", path, dir)
		}
		uri = "file:" + escapeURIPath(filepath.Clean(path))
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	// Two processes opening a fresh file at once would both migrate it: the lock makes the second wait until
	// the first is done, from before the first connection (which sets the page size and WAL mode of a new
	// file) until Open has migrated the file.
	lk, err := lockMigrations(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sdb, err := sql.Open("sqlite", uri+sep+sqlitePragmas)
	if err != nil {
		lk.unlock()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Every connection holds its own page cache; a few idle ones are enough, since SQLite writes one at a
	// time anyway.
	sdb.SetMaxIdleConns(sqliteIdleConns)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		lk.unlock()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	walPath := ""
	if !strings.HasPrefix(path, "file:") {
		walPath = filepath.Clean(path) + "-wal"
	}
	db := &DB{db: sdb, dialect: SQLite, name: path, walPath: walPath, migrationLock: lk,
		checkpointKick: make(chan struct{}, 1), checkpointStop: make(chan struct{}), checkpointDone: make(chan struct{})}
	go db.checkpointLoop()
	return db, nil
}

// checkpointLoop runs a passive WAL checkpoint whenever a write transaction has committed, until Close. A
// passive checkpoint never blocks the writer and copies what it can; the next kick copies the rest.
func (db *DB) checkpointLoop() {
	defer close(db.checkpointDone)
	for {
		select {
		case <-db.checkpointStop:
			return
		case <-db.checkpointKick:
		}
		db.checkpointMu.Lock()
		_, err := db.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		db.checkpointMu.Unlock()
		if err != nil {
			// Not fatal: the writer's automatic checkpoint still bounds the WAL.
			slog.Debug("sqlite checkpoint", "db", db.name, "err", err)
			continue
		}
		db.checkpoints.Add(1)
	}
}

// kickCheckpoint asks the checkpointer to run, without waiting.
func (db *DB) kickCheckpoint() {
	if db.checkpointKick == nil {
		return
	}
	select {
	case db.checkpointKick <- struct{}{}:
	default:
	}
}

// escapeURIPath escapes the characters that end or change the path part of a SQLite URI filename.
func escapeURIPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	name := Redact(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "open postgres %s: %v", name, scrub(err, dsn))
	}
	sdb := stdlib.OpenDB(*cfg)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open postgres %s: %w", name, scrub(err, dsn))
	}
	return &DB{db: sdb, dialect: Postgres, name: name, pgConfig: cfg, dsn: dsn}, nil
}

// migrate applies the embedded migrations of the DB's dialect that the database has not seen.
func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/sqlite"
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		// Areas own separate number ranges and may add a migration below one already applied elsewhere.
		goose.WithAllowOutofOrder(true),
		goose.WithSlog(slog.Default()),
	}
	if db.dialect == Postgres {
		dir = "migrations/postgres"
		dialect = goose.DialectPostgres
		// Two processes opening the same fresh database must not migrate it at the same time. The lock is
		// per database and schema, so that stores in other schemas (tests, tenants) never wait on it.
		var where string
		if err := db.db.QueryRowContext(ctx, "SELECT current_database() || '.' || coalesce(current_schema(), '')").Scan(&where); err != nil {
			return err
		}
		h := fnv.New64a()
		h.Write([]byte("plaudit migrations " + where))
		locker, err := lock.NewPostgresSessionLocker(
			lock.WithLockID(int64(h.Sum64()>>1)),
			lock.WithLockTimeout(1, 300), // try every second for five minutes
		)
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db.db, fsys, opts...)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// SQL returns the underlying database, for the methods other areas add in their own files.
func (db *DB) SQL() *sql.DB { return db.db }

// Dialect reports which database the DB talks to.
func (db *DB) Dialect() Dialect { return db.dialect }

// String returns the store's name: the SQLite path or the PostgreSQL URL with its password masked.
func (db *DB) String() string { return db.name }

// Close closes the database.
func (db *DB) Close() error {
	if db.checkpointStop != nil {
		close(db.checkpointStop)
		<-db.checkpointDone
		db.checkpointStop = nil
	}
	db.stmtMu.Lock()
	if db.insertStmt != nil {
		db.insertStmt.Close()
		db.insertStmt = nil
	}
	db.stmtMu.Unlock()
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.name, err)
	}
	return nil
}

// Rebind rewrites the ? placeholders of query into the DB's dialect: $1, $2, … for PostgreSQL, unchanged for
// SQLite. Question marks inside single-quoted strings are left alone.
func (db *DB) Rebind(query string) string {
	if db.dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// InTx runs fn in a transaction and commits it if fn returns nil, or rolls it back if fn returns an error
// or panics. On SQLite the transaction takes the write lock when it begins.
//
// fn must pass ctx to the statements it runs: cancelling ctx interrupts them, and a transaction whose ctx
// is done when fn returns is rolled back. The COMMIT itself is never interrupted by ctx, since a commit cut
// off in flight may still take effect on the server after the caller was told it failed; nor is the wait
// for SQLite's write lock at BEGIN (at most the 10 s busy timeout).
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	return db.inTx(ctx, nil, fn)
}

// inTx is InTx on conn, a connection taken from the pool, or on any of the pool's when conn is nil.
func (db *DB) inTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) (err error) {
	var tx *sql.Tx
	if conn != nil {
		tx, err = conn.BeginTx(context.WithoutCancel(ctx), nil)
	} else {
		tx, err = db.db.BeginTx(context.WithoutCancel(ctx), nil)
	}
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = ctx.Err(); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.kickCheckpoint()
	return nil
}

// ReadTx runs fn in a read-only transaction that sees one consistent snapshot of the database (REPEATABLE
// READ on PostgreSQL; on SQLite any read transaction does), then ends it. Use it for reports made of several
// queries that must agree with each other.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// DefaultPath returns the default SQLite store: plaudit.db in the user's data directory
// ($XDG_DATA_HOME/plaudit, else ~/.local/share/plaudit), creating the directory (mode 0700) if needed.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // the XDG spec says to ignore relative paths
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("default store: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	dir = filepath.Join(dir, "plaudit")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("default store: %w", err)
	}
	return filepath.Join(dir, "plaudit.db"), nil
}

// Redact returns dsn fit for a message or a log: a PostgreSQL URL with its passwords (in the user info, or a
// password or sslpassword query parameter) replaced by "xxxxx"; a SQLite path unchanged. A malformed URL,
// where a password could hide in a place a parser would not look, is shown as "postgres://(malformed URL)".
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	scheme, _, _ := strings.Cut(dsn, "://")
	u, err := url.Parse(dsn)
	if err != nil || u.Opaque != "" || u.Fragment != "" || strings.ContainsAny(u.Path, ":@") {
		return scheme + "://(malformed URL)"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return scheme + "://(malformed URL)"
	}
	for k := range q {
		if !paramName.MatchString(k) {
			return scheme + "://(malformed URL)"
		}
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	pairs := strings.Split(u.RawQuery, "&")
	for i, p := range pairs {
		if k, _, ok := strings.Cut(p, "="); ok && isPasswordKey(k) {
			pairs[i] = k + "=xxxxx"
		}
	}
	u.RawQuery = strings.Join(pairs, "&")
	return u.String()
}

// isPasswordKey reports whether a query parameter's raw key may name a password (password, sslpassword):
// any key ending in "password", to be safe with malformed URLs.
func isPasswordKey(raw string) bool {
	k, err := url.QueryUnescape(raw)
	if err != nil {
		k = raw
	}
	return strings.HasSuffix(strings.ToLower(k), "password")
}

var (
	userinfoPassword = regexp.MustCompile(`^[a-z]+://[^@/]*?:([^@/]*)@`)
	passwordParam    = regexp.MustCompile(`(?i)password=([^&]*)`)
	paramName        = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// secrets returns the passwords in dsn as they may appear in an error: as written, unescaped, and escaped
// either way.
func secrets(dsn string) []string {
	var out []string
	add := func(raw string, unescape func(string) (string, error)) {
		if raw == "" {
			return
		}
		dec, err := unescape(raw)
		if err != nil {
			dec = raw
		}
		out = append(out, raw, dec, url.QueryEscape(dec), url.PathEscape(dec))
	}
	if m := userinfoPassword.FindStringSubmatch(dsn); m != nil {
		add(m[1], url.PathUnescape)
	}
	// Also whatever a lenient reader could take for user info in a malformed URL: the text after the first
	// ':' and before the last '@'. (Not when it is so short that masking it would garble the message.)
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok && len(pw) >= 4 {
				add(pw, url.PathUnescape)
			}
		}
	}
	// And the value of anything that looks like a password parameter, wherever it is.
	for _, m := range passwordParam.FindAllStringSubmatch(dsn, -1) {
		add(m[1], url.QueryUnescape)
	}
	return out
}

// scrub returns err with every password of dsn masked in its text: drivers and url.Parse quote connection
// strings in their errors. The result still unwraps to err, for errors.Is and errors.As.
func scrub(err error, dsn string) error {
	if err == nil || !IsPostgres(dsn) {
		return err
	}
	msg := err.Error()
	clean := maskSecrets(strings.ReplaceAll(msg, dsn, Redact(dsn)), dsn)
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

// maskSecrets replaces every password of dsn in s by "xxxxx", longest first, so that a short candidate
// never splits a longer one.
func maskSecrets(s, dsn string) string {
	all := secrets(dsn)
	slices.SortStableFunc(all, func(a, b string) int { return len(b) - len(a) })
	for _, secret := range all {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "xxxxx")
		}
	}
	return s
}

// scrubbedError is an error whose text had secrets removed.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
