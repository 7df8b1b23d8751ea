package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Layout is how a store names a module version's files.
type Layout int

const (
	// LayoutUnknown: not detected yet (an empty store has no layout).
	LayoutUnknown Layout = iota
	// LayoutProxy is the GOPROXY protocol's own names,
	// <path>/@v/{list,<v>.info,<v>.mod,<v>.zip}: goproxy's disk cacher, a
	// file:// export of GOMODCACHE/cache/download, a bucket behind a
	// static proxy, and Athens' object-store drivers (which write the
	// same names with the path unescaped).
	LayoutProxy
	// LayoutAthens is Athens' disk storage,
	// <path>/<v>/{go.mod,source.zip,<v>.info}.
	LayoutAthens
)

func (l Layout) String() string {
	switch l {
	case LayoutProxy:
		return "proxy"
	case LayoutAthens:
		return "athens"
	}
	return "unknown"
}

// ParseLayout reads a --layout value: "proxy", "athens" or "" / "auto".
func ParseLayout(s string) (Layout, error) {
	switch s {
	case "", "auto":
		return LayoutUnknown, nil
	case "proxy":
		return LayoutProxy, nil
	case "athens":
		return LayoutAthens, nil
	}
	return LayoutUnknown, fmt.Errorf("unknown layout %q: use proxy, athens or auto", s)
}

// Store is an open module store.
type Store struct {
	// URL is the store's URL with any credentials and query values other
	// than a few harmless ones removed: it is what modscope prints.
	URL    string
	Bucket *blob.Bucket
	// Layout is the layout asked for, or the one List detected.
	Layout Layout
	// secrets are the URL and the values Redact removes from it: a
	// driver's error may quote them, and no message of the store's does.
	secrets []string
}

// Open opens the bucket at rawURL (a gocloud.dev/blob URL). The driver for
// the URL's scheme must be linked into the program.
func Open(ctx context.Context, rawURL string, layout Layout) (*Store, error) {
	shown := Redact(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("store %s: not a URL: give file:///dir, s3://bucket, gs://bucket or azblob://container", shown)
	}
	sec := secrets(rawURL)
	if u.Scheme == "file" && !u.Query().Has("metadata") {
		// fileblob would write a .attrs sidecar next to every object
		// modscope writes (a gc's @v/list): the directory must stay one
		// the go command or a GOPROXY server reads as it is.
		q := u.Query()
		q.Set("metadata", "skip")
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %s: %s", shown, scrub(openError(u.Scheme, err), sec))
	}
	return &Store{URL: shown, Bucket: b, Layout: layout, secrets: sec}, nil
}

// Close closes the bucket.
func (s *Store) Close() error { return s.Bucket.Close() }

// openError is the reason a bucket did not open, with what to do. The
// driver's own message is kept after the advice: it names the missing
// setting, never a credential.
func openError(scheme string, err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no driver registered") || strings.Contains(msg, "no known scheme"):
		return fmt.Sprintf("modscope cannot open %s:// stores; use file://, s3://, gs:// or azblob://", scheme)
	case scheme == "file" && (strings.Contains(msg, "no such file") || strings.Contains(msg, "not exist")):
		return "no such directory; give the store's root, e.g. file:///var/lib/athens"
	}
	return "cannot open: " + oneLine(msg)
}

// Redact is rawURL without credentials: user information goes, and so
// does every query value but the ones that only say where the bucket is.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(an unreadable URL)"
	}
	u.User = nil
	q := u.Query()
	for k := range q {
		switch strings.ToLower(k) {
		case "region", "endpoint", "prefix", "use_path_style", "s3forcepathstyle", "hostname_immutable", "disable_https", "dualstack", "fips", "protocol", "domain", "localemu", "create_dir", "dir_file_mode", "metadata", "no_tmp_dir", "base_url", "request_checksum_calculation", "response_checksum_validation", "rate_limiter_capacity", "anonymous", "accelerate":
		default:
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// secrets are what of rawURL no message may name: the URL itself (shown
// redacted instead), its user information and its redacted query values.
func secrets(rawURL string) []string {
	out := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil {
		return out
	}
	if u.User != nil {
		out = append(out, u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	shown, _ := url.Parse(Redact(rawURL))
	for k, vs := range u.Query() {
		if shown != nil && shown.Query().Get(k) == "REDACTED" {
			for _, v := range vs {
				out = append(out, v, url.QueryEscape(v))
			}
		}
	}
	return out
}

// scrub replaces the secrets in msg.
func scrub(msg string, secrets []string) string {
	if len(secrets) > 0 {
		msg = strings.ReplaceAll(msg, secrets[0], Redact(secrets[0]))
	}
	for _, s := range secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "REDACTED")
		}
	}
	return msg
}

// errLine is err as one line without the store's secrets.
func (s *Store) errLine(err error) string { return scrub(oneLine(err.Error()), s.secrets) }

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// IsNotFound reports whether err is the bucket's "no such key".
func IsNotFound(err error) bool {
	return gcerrors.Code(err) == gcerrors.NotFound || errors.Is(err, errNotFound)
}

var errNotFound = errors.New("not found")
