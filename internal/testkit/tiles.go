package testkit

import (
	"fmt"
	"io"
	"net/http"

	"golang.org/x/mod/sumdb/tlog"
)

// Tiles reads the hash tiles of a log served over HTTP (C2SP tlog-tiles),
// for tlog.TileHashReader, which authenticates every tile it reads against
// the tree hash it is given: nothing read here is trusted. The paths are
// written out here from the specification, not taken from tessera, so
// that a test reading a parley log through Tiles also checks that the log
// is laid out as the specification says.
type Tiles struct {
	// URL is the log's base URL, ending in a slash: the tiles are under
	// URL + "tile/".
	URL string
	// Client fetches the tiles; nil means http.DefaultClient.
	Client *http.Client
}

// Height is the tile height of tlog-tiles: 8.
func (Tiles) Height() int { return 8 }

// ReadTiles fetches each tile: a partial tile of its width, or the full
// tile, which replaces the partial ones once the log has grown past it.
func (s Tiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		path := TilePath(tile.L, tile.N, 0)
		full := tile.W == 1<<tile.H
		var b []byte
		var err error
		if !full {
			b, err = s.get(TilePath(tile.L, tile.N, tile.W))
		}
		if full || err != nil {
			b, err = s.get(path)
		}
		if err != nil {
			return nil, err
		}
		if len(b) < tile.W*tlog.HashSize {
			return nil, fmt.Errorf("%s has %d bytes, want %d", path, len(b), tile.W*tlog.HashSize)
		}
		out[i] = b[:tile.W*tlog.HashSize]
	}
	return out, nil
}

// SaveTiles keeps nothing: every read goes to the server.
func (Tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func (s Tiles) get(path string) ([]byte, error) {
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(s.URL + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// TilePath is the tlog-tiles path of the tile at level and index n:
// "tile/<level>/<n>", n in groups of three digits, each but the last
// prefixed with x; a partial tile of width w (0 < w < 256) adds ".p/<w>".
func TilePath(level int, n int64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	p := fmt.Sprintf("tile/%d/%s", level, s)
	if w > 0 && w < 1<<8 {
		p += fmt.Sprintf(".p/%d", w)
	}
	return p
}
