//! One KPI's value in every replication, kept compressed without loss.
//!
//! A summary keeps every replication's value of every KPI, for paired comparisons, exact
//! percentiles and the analyses built on them; kept as plain `f64`s they were most of a large
//! run's memory. Consecutive values of one KPI share most of their bits: counts are whole
//! numbers with the same exponent and leading bits, and undefined (NaN), constant and
//! deterministic KPIs repeat exactly. So each value is stored as its bitwise XOR with the
//! value before it, as a header byte and only the XOR's bytes between its first and last
//! non-zero byte: a repeated value costs one byte, a count two to four, a full-precision
//! measurement nine. Decoding gives back the very same bits.

use std::fmt;

/// Appends `x` (an XOR of two values' bits) to `out`: a header byte (the lowest non-zero
/// byte's position, then how many bytes follow) and those bytes.
pub(crate) fn put_xor(x: u64, out: &mut Vec<u8>) {
    let bytes = x.to_le_bytes();
    let low = (x.trailing_zeros() / 8).min(8) as usize;
    let used = xor_len(x);
    out.push(((low as u8) << 4) | used as u8);
    out.extend_from_slice(&bytes[low..low + used]);
}

/// How many bytes of `x` [`put_xor`] writes after its header.
fn xor_len(x: u64) -> usize {
    let low = (x.trailing_zeros() / 8).min(8) as usize;
    let high = 8 - (x.leading_zeros() / 8) as usize;
    high.saturating_sub(low)
}

/// How many bytes follow a header byte written by [`put_xor`].
fn header_len(header: u8) -> usize {
    let low = ((header >> 4) as usize).min(8);
    ((header & 0xf) as usize).min(8 - low)
}

/// Reads back one XOR written by [`put_xor`] from the front of `bytes`, advancing it.
#[inline]
pub(crate) fn take_xor(bytes: &mut &[u8]) -> u64 {
    let Some((&header, rest)) = bytes.split_first() else {
        return 0;
    };
    let low = ((header >> 4) as usize).min(8);
    let used = header_len(header).min(rest.len());
    let mut x = [0u8; 8];
    x[low..low + used].copy_from_slice(&rest[..used]);
    *bytes = &rest[used..];
    u64::from_le_bytes(x)
}

/// A sequence of `f64`, in replication order (NaN where the KPI is undefined), compressed
/// without loss. Built by [`Values::push`] or collected from an iterator; read by
/// [`Values::iter`].
///
/// The bytes are kept in chunks that double in size up to [`CHUNK_MAX`] and are never moved:
/// a column filled value by value holds at most one part-empty chunk, instead of up to twice
/// its size as a growing vector would, and nothing is copied as it grows.
#[derive(Clone, Default)]
pub struct Values {
    len: usize,
    /// The bits of the last value pushed, which the next is stored against.
    last: u64,
    chunks: Vec<Vec<u8>>,
}

/// The first chunk's size, and the largest: small enough that the last, part-empty chunk of
/// each of a summary's thousand-odd columns adds little while the columns fill.
const CHUNK_MIN: usize = 64;
const CHUNK_MAX: usize = 1 << 10;

impl Values {
    /// No values.
    pub fn new() -> Values {
        Values::default()
    }

    /// Appends `v`.
    pub fn push(&mut self, v: f64) {
        // A value takes at most nine bytes; pushed, it never straddles two chunks (appended
        // bytes may).
        if (self.chunks.last()).is_none_or(|c| c.capacity() - c.len() < 9) {
            let size = self.chunks.last().map_or(CHUNK_MIN, |c| 2 * c.capacity());
            self.chunks.push(Vec::with_capacity(size.min(CHUNK_MAX)));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            put_xor(v.to_bits() ^ self.last, chunk);
        }
        self.last = v.to_bits();
        self.len += 1;
    }

    /// Appends `other`'s values. Only its first value is stored again (against this one's
    /// last); the rest are stored against the values before them, which stay the same, so
    /// their bytes are copied as they are.
    pub fn append(&mut self, other: &Values) {
        let mut values = other.iter();
        let Some(first) = values.next() else {
            return;
        };
        self.push(first);
        for bytes in std::iter::once(values.bytes).chain(values.chunks.iter().map(Vec::as_slice)) {
            self.extend_bytes(bytes);
        }
        self.len += other.len - 1;
        self.last = other.last;
    }

    /// Copies stored bytes to the end, across chunks where they do not fit in the last.
    fn extend_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if (self.chunks.last()).is_none_or(|c| c.len() == c.capacity()) {
                let size = self.chunks.last().map_or(CHUNK_MIN, |c| 2 * c.capacity());
                self.chunks.push(Vec::with_capacity(size.min(CHUNK_MAX)));
            }
            if let Some(chunk) = self.chunks.last_mut() {
                let n = (chunk.capacity() - chunk.len()).min(bytes.len());
                chunk.extend_from_slice(&bytes[..n]);
                bytes = &bytes[n..];
            }
        }
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The values, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            left: self.len,
            last: 0,
            chunks: &self.chunks,
            bytes: &[],
        }
    }

    /// The values as a plain vector.
    pub fn to_vec(&self) -> Vec<f64> {
        self.iter().collect()
    }

    /// Gives back the room left at the end of the chunks. A few values in several small
    /// chunks are copied into one of exactly their size, which saves each chunk's own
    /// overhead; many are left where they are, where that overhead is small and a copy would
    /// need room the freed chunks cannot give.
    pub fn shrink_to_fit(&mut self) {
        let bytes: usize = self.chunks.iter().map(Vec::len).sum();
        if self.chunks.len() > 1 && bytes <= 4 * CHUNK_MAX {
            let mut one = Vec::with_capacity(bytes);
            for chunk in &self.chunks {
                one.extend_from_slice(chunk);
            }
            self.chunks = vec![one];
        } else if let Some(chunk) = self.chunks.last_mut() {
            chunk.shrink_to_fit();
        }
        self.chunks.shrink_to_fit();
    }
}

/// Equal when they hold the same values bit for bit (so NaN equals NaN).
impl PartialEq for Values {
    fn eq(&self, other: &Values) -> bool {
        self.len == other.len && (self.iter().map(f64::to_bits)).eq(other.iter().map(f64::to_bits))
    }
}

impl Eq for Values {}

impl FromIterator<f64> for Values {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Values {
        let mut values = Values::new();
        for v in iter {
            values.push(v);
        }
        values.shrink_to_fit();
        values
    }
}

impl From<Vec<f64>> for Values {
    fn from(v: Vec<f64>) -> Values {
        v.into_iter().collect()
    }
}

impl From<&[f64]> for Values {
    fn from(v: &[f64]) -> Values {
        v.iter().copied().collect()
    }
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Values {
    type Item = f64;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The values of a [`Values`], decoded one by one.
#[derive(Clone)]
pub struct Iter<'a> {
    left: usize,
    last: u64,
    /// The chunks not yet started, and what is left of the current one.
    chunks: &'a [Vec<u8>],
    bytes: &'a [u8],
}

impl Iterator for Iter<'_> {
    type Item = f64;

    #[inline]
    fn next(&mut self) -> Option<f64> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let x = if self.bytes.len() >= 9 {
            take_xor(&mut self.bytes)
        } else {
            self.take_across()
        };
        self.last ^= x;
        Some(f64::from_bits(self.last))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl Iter<'_> {
    /// Reads one value near the end of a chunk, whose bytes may go on in the next.
    #[cold]
    fn take_across(&mut self) -> u64 {
        let mut value = [0u8; 9];
        let (mut got, mut need) = (0, 1);
        while got < need {
            let Some((&byte, rest)) = self.bytes.split_first() else {
                let Some((next, chunks)) = self.chunks.split_first() else {
                    break;
                };
                (self.bytes, self.chunks) = (next, chunks);
                continue;
            };
            self.bytes = rest;
            value[got] = byte;
            got += 1;
            if got == 1 {
                need = 1 + header_len(byte);
            }
        }
        take_xor(&mut &value[..got])
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Values whose bits are hard to get back: zeros of both signs, NaN, infinities,
    /// subnormals, counts and full-precision numbers.
    pub(crate) const SPECIALS: [f64; 13] = [
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE / 3.0,
        1.0,
        270.0,
        271.0,
        1234.5678,
        -1e300,
        f64::from_bits(1),
        f64::from_bits(u64::MAX),
    ];

    /// Every value comes back with the same bits, whatever comes before it: zeros of both
    /// signs, NaN, infinities, subnormals, counts and full-precision numbers.
    #[test]
    fn values_come_back_bit_for_bit() {
        let specials = SPECIALS;
        // Every ordered pair of specials, so each value is stored against each other one.
        let all: Vec<f64> = (specials.iter())
            .flat_map(|&a| specials.iter().flat_map(move |&b| [a, b]))
            .collect();
        let values: Values = all.iter().copied().collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(values.len(), all.len());
        assert_eq!(bits(&values.to_vec()), bits(&all));
        assert_eq!(values.iter().len(), all.len());
        // Many values, in many chunks, shrunk (not copied into one), then added to.
        let many: Vec<f64> = (0..3000).map(|i| (i as f64).sqrt() * 1e3).collect();
        let mut values: Values = many.iter().copied().collect();
        assert!(values.chunks.len() > 4);
        values.push(f64::NAN);
        values.push(7.0);
        let want: Vec<f64> = many.iter().copied().chain([f64::NAN, 7.0]).collect();
        assert_eq!(bits(&values.to_vec()), bits(&want));
        assert_eq!(values, want.into());
    }

    /// Appended values come back as they were, bit for bit, read across the chunks that
    /// appended bytes straddle; appending to nothing, or nothing, changes nothing else.
    #[test]
    fn appended_values_come_back_bit_for_bit() {
        let measure = |i: usize| ((i * 7919 % 1000) as f64).sqrt() * 1e3;
        let runs: Vec<Vec<f64>> = [37, 3000, 0, 1, 500]
            .iter()
            .scan(0, |start, &n| {
                *start += n;
                Some((*start - n..*start).map(measure).collect())
            })
            .collect();
        let mut all = Values::new();
        for run in &runs {
            all.append(&run.iter().copied().collect());
        }
        all.push(f64::NAN);
        let want: Vec<u64> = (runs.iter().flatten().copied())
            .chain([f64::NAN])
            .map(f64::to_bits)
            .collect();
        let got: Vec<u64> = all.iter().map(f64::to_bits).collect();
        assert_eq!(got, want);
        assert_eq!(all.len(), want.len());
    }

    /// A repeated value takes one byte and a nearby count two or three, far under the eight
    /// bytes of a plain `f64`.
    #[test]
    fn repeats_and_counts_take_few_bytes() {
        let nan: Values = vec![f64::NAN; 100].into();
        let used = |v: &Values| v.chunks.iter().map(Vec::len).sum::<usize>();
        // The first NaN against zero bits (a header and its two non-zero bytes), then one
        // header byte each.
        assert_eq!(used(&nan), 3 + 99);
        let counts: Values = (0..100).map(|i| 250.0 + (i % 7) as f64).collect();
        assert!(used(&counts) <= 3 * 100, "{}", used(&counts));
    }
}
