package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

const (
	argonKeyLen  = 32
	argonSaltLen = 16
)

// PasswordCost is the argon2id cost of a password hash.
type PasswordCost struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordCost is RFC 9106's second recommended option (64 MiB, three
// passes), sized for an interactive login on a small server. Every
// installation uses it; only tests, which add hundreds of principals, hash
// at a lower cost.
var DefaultPasswordCost = PasswordCost{Time: 3, MemoryKiB: 64 * 1024, Threads: 2}

// HashPassword returns an argon2id hash at DefaultPasswordCost.
func HashPassword(password string) (string, error) {
	return HashPasswordCost(password, DefaultPasswordCost)
}

// HashPasswordCost returns an argon2id hash in the PHC string format, so the
// parameters travel with the hash and can be raised later: CheckPassword
// reads them from the hash.
func HashPasswordCost(password string, c PasswordCost) (string, error) {
	if err := ValidatePassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, c.Time, c.MemoryKiB, c.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, c.MemoryKiB, c.Time, c.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ValidatePassword applies the rules every new password must meet, the
// same for a principal added and a password changed.
func ValidatePassword(password string) error {
	if len(password) < 8 {
		return errors.New("password must be at least 8 characters")
	}
	return nil
}

// CheckPassword reports whether password matches the PHC-format hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// TokenPrefix marks parley API tokens so that secret scanners and people
// can recognise one.
const TokenPrefix = "parley_"

// NewToken returns a fresh API token and the hash under which it is stored.
// The token itself is shown once and never kept.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a token. Tokens are 256 random bits,
// so a plain SHA-256 suffices: there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
