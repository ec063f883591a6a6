package ledger

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"
)

// Cache lifetimes of served resources.
const (
	// Full tiles and entry bundles never change.
	cacheImmutable = "public, max-age=31536000, immutable"
	// A partial tile's content never changes either, but it is deleted once
	// the full tile exists, so caches should not keep it long.
	cachePartial = "public, max-age=60"
	// The checkpoint changes every CheckpointInterval.
	cacheCheckpoint = "no-cache"
)

// Handler serves the log read-only as C2SP tlog-tiles under /log/:
//
//	GET /log/checkpoint                    text/plain; charset=utf-8, no-cache
//	GET /log/tile/<L>/<N>[.p/<W>]          application/octet-stream
//	GET /log/tile/entries/<N>[.p/<W>]      application/octet-stream
//
// Full tiles and bundles are served as immutable, partial ones ('.p/') with
// a short lifetime. Only paths in the canonical tlog-tiles form are served,
// read through an os.Root confined to the log directory: never .state/, never
// a directory listing, never a file outside the directory. A missing tile
// is a 404; clients then fall back from a partial to the full tile.
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /log/checkpoint", l.serveCheckpoint)
	mux.HandleFunc("GET /log/tile/{path...}", l.serveTile)
	return mux
}

func (l *Log) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	raw, err := l.reader.ReadCheckpoint(r.Context())
	if err != nil {
		l.logger.ErrorContext(r.Context(), "couldn't read checkpoint", "err", err)
		http.Error(w, "checkpoint unavailable", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", cacheCheckpoint)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(raw)
}

func (l *Log) serveTile(w http.ResponseWriter, r *http.Request) {
	name, partial, ok := tilePath(r.PathValue("path"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := l.root.Open(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.logger.ErrorContext(r.Context(), "couldn't open tile", "path", name, "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("X-Content-Type-Options", "nosniff")
	if partial {
		h.Set("Cache-Control", cachePartial)
	} else {
		h.Set("Cache-Control", cacheImmutable)
	}
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// tilePath maps the part of a request path after /log/tile/ to the file
// under the log directory, if it is a tile or entry bundle path in canonical
// form. Whether it is partial decides its caching.
func tilePath(p string) (name string, partial, ok bool) {
	level, index, found := strings.Cut(p, "/")
	if !found {
		return "", false, false
	}
	var n uint64
	var width uint8
	var err error
	if level == "entries" {
		n, width, err = layout.ParseTileIndexPartial(index)
		if err == nil {
			name = layout.EntriesPath(n, width)
		}
	} else {
		var l uint64
		l, n, width, err = layout.ParseTileLevelIndexPartial(level, index)
		if err == nil {
			name = layout.TilePath(l, n, width)
		}
	}
	// Only the canonical spelling: no leading zeros in the level, no extra
	// slashes, no dot segments.
	if err != nil || name != "tile/"+p {
		return "", false, false
	}
	return name, width > 0, true
}
