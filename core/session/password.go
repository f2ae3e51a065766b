package session

import "crypto/subtle"

// PasswordLen is the length of a session password on the wire.
const PasswordLen = 16

// superSecret is the constant ZooKeeperServer XORs into the session id to
// seed the password generator.
const superSecret = 0xB3415C00

// Password returns the password of session id exactly as ZooKeeper computes
// it (ZooKeeperServer.generatePasswd):
//
//	Random r = new Random(sessionId ^ superSecret); // superSecret = 0xB3415C00L
//	byte[] p = new byte[16];
//	r.nextBytes(p);
//
// so a session created by Warren can be resumed on a ZooKeeper server and the
// other way round. The password is a pure function of the id and a constant
// published in ZooKeeper's source (and java.util.Random only keeps the low
// 48 bits of its seed): it guards against a client reattaching to the wrong
// session by mistake, not against an attacker who knows the id.
func Password(id int64) []byte {
	r := newJavaRandom(id ^ superSecret)
	p := make([]byte, PasswordLen)
	r.nextBytes(p)
	return p
}

// CheckPassword reports whether pw is the password of session id. The
// comparison takes the same time whatever the contents of pw.
func CheckPassword(id int64, pw []byte) bool {
	return subtle.ConstantTimeCompare(Password(id), pw) == 1
}

// javaRandom is java.util.Random: a 48-bit linear congruential generator
// (Knuth, TAOCP vol. 2, 3.2.1) with the constants of the Java SE API spec.
type javaRandom struct{ seed int64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = 1<<48 - 1
)

// newJavaRandom is new Random(seed): the seed is scrambled with the
// multiplier and cut to 48 bits.
func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

// next is Random.next(bits): advance the LCG and return its top bits as a
// signed int.
func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int32(uint64(r.seed) >> (48 - bits))
}

// nextBytes is Random.nextBytes: each nextInt() fills up to four bytes,
// least significant byte first.
func (r *javaRandom) nextBytes(b []byte) {
	for i := 0; i < len(b); {
		rnd := r.next(32)
		for n := min(len(b)-i, 4); n > 0; n-- {
			b[i] = byte(rnd)
			rnd >>= 8
			i++
		}
	}
}
