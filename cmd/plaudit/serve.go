package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/bus"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/neynar"
	"github.com/plaudit/plaudit/sqlstore"
)

// serveOptions are plaudit serve's flags.
type serveOptions struct {
	configFile string // --config; "" for the defaults
	addr       string // --addr
	addrSet    bool   // whether --addr was given, in which case it wins over the file's listen
	role       string // --role: receiver, worker, jobs or all (serve_bus.go)
}

func init() {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the REST API, health checks and metrics until SIGTERM or SIGINT",
		Long: `serve answers Plaudit's REST API (see docs/api.md) on --addr, with GET /healthz, GET /readyz and
GET /metrics (docs/operations.md).

--config FILE reads the settings from a YAML file (plaudit config example prints a commented one; plaudit
config check validates one). The global --db flag, when given, wins over the file's store, and --addr over
its listen. Without --config, serve uses the defaults: the store of --db or PLAUDIT_DATABASE_URL, else the
user data directory, and --addr.

Clients authenticate with an API key (plaudit key create) as a bearer token; the file's api.tokens (env:NAME
secrets), else PLAUDIT_API_TOKENS (comma-separated), act as admin keys. Without keys or tokens the API has no
authentication, so serve then listens only on a loopback address and logs a warning.

On SIGTERM or SIGINT serve stops accepting connections, lets requests in flight finish within the file's
shutdown_grace (default 30s), stops its background components, closes the store and exits with status 0.

--role runs a part of the server, for several processes on one PostgreSQL (docs/operations.md#bus-and-roles):
receiver (the API and webhooks; with the config's bus they publish events to NATS JetStream), worker (stores
and scores what the bus holds), jobs (the periodic jobs) or all (the default: everything). Every role serves
/healthz, /readyz and /metrics.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.addrSet = cmd.Flags().Changed("addr")
			return runServe(cmd.Context(), cmd, opts)
		},
	}
	cmd.Flags().StringVar(&opts.addr, "addr", config.DefaultListen, "address to listen on (wins over the config file's listen)")
	cmd.Flags().StringVar(&opts.role, "role", roleAll, "the part to run: receiver, worker, jobs or all")
	cmd.Flags().StringVar(&opts.configFile, "config", "", "the YAML configuration `FILE` (see plaudit config example)")
	rootCmd.AddCommand(cmd)
}

// serveComponent is a background part of plaudit serve that runs beside the API: the jobs scheduler,
// later the platform sources and the Discord bot. Start begins its work and returns once it runs (an error
// stops serve from starting); Stop ends it within ctx's deadline. ctx of Start lives until after Stop.
// A component that also has a method Ready(ctx) error gets it checked by GET /readyz under its name.
type serveComponent interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// serveEnv is what serve gives the builders of its components.
type serveEnv struct {
	Config   *config.Config       // the configuration file (config.Default() without --config)
	Store    *sqlstore.DB         // the open, migrated store; serve closes it after every component stopped
	DSN      string               // the store's DSN, for components with connections of their own; may hold a password
	Logger   *slog.Logger         // serve's logger
	Registry *prometheus.Registry // the registry GET /metrics serves: register the component's collectors here
	API      *api.Server          // the API, to add routes or readiness checks
	Service  *service.Service     // the application layer every component calls
	Notify   *jobNotifier         // tells the scheduler of appends and policy changes, once it is set
	Role     string               // --role
	Bus      *bus.Bus             // the config's bus; nil without one
}

// componentBuilder makes one component of serve.
type componentBuilder struct {
	name  string
	build func(ctx context.Context, env *serveEnv) (serveComponent, error)
}

// serveComponents are built and started in this order, and stopped in the reverse order.
var serveComponents []componentBuilder

// addServeComponent makes serve run the component build returns: call it from an init function of the
// file that wires the component (e.g. serve_jobs.go). name appears in logs and in GET /readyz.
func addServeComponent(name string, build func(ctx context.Context, env *serveEnv) (serveComponent, error)) {
	serveComponents = append(serveComponents, componentBuilder{name: name, build: build})
}

// serveLogger returns serve's logger: format text or json, at level Info (each request is logged), on w.
func serveLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, cmd *cobra.Command, opts serveOptions) error {
	if opts.role == "" {
		opts.role = roleAll // callers that build serveOptions themselves (tests, other commands) run everything
	}
	cfg := config.Default()
	if opts.configFile != "" {
		var err error
		if cfg, err = config.Load(opts.configFile); err != nil {
			return err
		}
	}
	addr := cfg.Listen
	if opts.addrSet || opts.configFile == "" {
		addr = opts.addr
	}
	format := cfg.LogFormat
	if f := cmd.Flags().Lookup("log-format"); f != nil && f.Changed {
		format = string(logFormat) // the global --log-format flag wins over the file's log_format
	}
	logger := serveLogger(cmd.ErrOrStderr(), format)
	role, err := service.ParseServeRole(opts.role, cfg.Bus != nil)
	if err != nil {
		return err
	}
	tokens := cfg.APITokens()

	dsn, from, err := serveStoreDSN(cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("open store %s (%s): %w", sqlstore.Redact(dsn), from, err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("close the store", "err", err)
		}
	}()

	eventBus, err := openServeBus(ctx, cfg, opts.role)
	if err != nil {
		return err
	}
	if eventBus != nil {
		defer eventBus.Close()
	}
	registry := api.NewRegistry()
	notify := newJobNotifier()
	svc := service.New(store, service.Options{Logger: logger, Notify: notify, Streaming: true, Publish: busPublisher(eventBus, role)})
	hasKeys, err := svc.HasKeys(ctx)
	if err != nil {
		return err
	}
	if len(tokens) == 0 && !hasKeys {
		if !loopbackAddr(addr) {
			return plaudit.Errorf(plaudit.EINVALID, "refusing to serve on %s without authentication: create an API key (plaudit key create --role admin), set PLAUDIT_API_TOKENS or api.tokens in the config file, or listen on a loopback address such as 127.0.0.1:8080", addr)
		}
		logger.Warn("no API keys or tokens (plaudit key create, PLAUDIT_API_TOKENS or api.tokens): the API has no authentication and answers only loopback clients until a key is created")
	}
	var claims *api.ClaimSigner
	if cfg.Payout.Signs() {
		key, domain, err := cfg.Payout.Signer()
		if err != nil {
			return err
		}
		claims = &api.ClaimSigner{Key: key, Domain: domain}
	}
	var neynarHook http.Handler
	if f := cfg.Farcaster; f != nil {
		neynarHook = neynar.NewHandler(svc, f.WebhookSecret.Value(), neynar.Target{Username: f.TargetUsername, FID: f.TargetFID}, logger)
	}
	apiServer := api.NewServer(store, api.Options{Tokens: tokens, Logger: logger, Registry: registry, StoreTimeout: cfg.API.StoreTimeout, Service: svc,
		RateLimit: api.RateLimit{PerSecond: cfg.API.RateLimit.PerSecond, Burst: cfg.API.RateLimit.Burst}, MaxBodyInFlight: cfg.API.MaxBodyInFlight,
		Claims: claims, NeynarWebhook: neynarHook})
	env := &serveEnv{Config: cfg, Store: store, DSN: dsn, Logger: logger, Registry: registry, API: apiServer, Service: svc, Notify: notify,
		Role: opts.role, Bus: eventBus}
	if eventBus != nil {
		registry.MustRegister(eventBus.Collectors()...)
	}

	// Components run under a context of their own, which ends only after they were asked to stop.
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	var started []namedComponent
	stopAll := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
		defer cancel()
		var errs []error
		for i := len(started) - 1; i >= 0; i-- {
			c := started[i]
			if err := c.Stop(sctx); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", c.name, err))
			} else {
				logger.Info("stopped", "component", c.name)
			}
		}
		started = nil
		return errors.Join(errs...)
	}
	defer stopAll() // on an early return; a clean shutdown has stopped them already
	var built []namedComponent
	for _, b := range serveComponents {
		if !role.Runs(b.name) {
			continue
		}
		c, err := b.build(ctx, env)
		if err != nil {
			return fmt.Errorf("set up %s: %w", b.name, err)
		}
		if r, ok := c.(interface{ Ready(context.Context) error }); ok {
			apiServer.AddReadyCheck(b.name, r.Ready)
		}
		built = append(built, namedComponent{name: b.name, serveComponent: c})
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	for _, c := range built {
		if err := c.Start(runCtx); err != nil {
			ln.Close()
			return errors.Join(fmt.Errorf("start %s: %w", c.name, err), stopAll())
		}
		started = append(started, c)
		logger.Info("started", "component", c.name)
	}
	srv := &http.Server{
		Handler:           roleHandler(role, apiServer),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	attrs := []any{"url", "http://" + ln.Addr().String(), "role", opts.role, "auth", len(tokens) > 0 || hasKeys, "store", sqlstore.Redact(dsn)}
	if cfg.PublicURL != nil {
		attrs = append(attrs, "public_url", cfg.PublicURL.String())
	}
	logger.Info("serving the API", attrs...)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.Join(fmt.Errorf("serve: %w", err), stopAll())
	case <-ctx.Done():
	}

	logger.Info("shutting down: finishing requests in flight", "grace", cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return errors.Join(fmt.Errorf("shut down: %w", err), stopAll())
		}
		logger.Warn("shutdown grace ran out: closing the connections still open", "grace", cfg.ShutdownGrace)
		srv.Close()
	}
	if err := stopAll(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// namedComponent is a component with the name it was added under.
type namedComponent struct {
	name string
	serveComponent
}

// loopbackAddr reports whether addr (host:port) listens only on a loopback interface. An empty host means
// every interface, so it is not.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
