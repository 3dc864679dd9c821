//! The fake's photos: a few JPEGs of realistic size (40–200 KB) made once at start, and
//! each contact's photo one of them with the contact's id and photo version written
//! into a JPEG comment, so every photo has its own bytes (and its own hash) while
//! decoding costs what a real photo of that size costs.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

pub struct Photos {
    bases: Vec<Vec<u8>>,
}

/// Sizes of the base images: portrait and square, as directory photos are.
const SIZES: &[(u32, u32)] = &[
    (480, 600),
    (600, 600),
    (640, 800),
    (720, 720),
    (540, 675),
    (800, 800),
];

impl Photos {
    pub fn generate(seed: u64) -> Self {
        let bases = SIZES
            .iter()
            .enumerate()
            .map(|(i, (w, h))| portrait(*w, *h, seed.wrapping_add(i as u64)))
            .collect();
        Self { bases }
    }

    /// The photo of `id` at `version`.
    pub fn photo(&self, id: &str, version: u32) -> Vec<u8> {
        let pick = id.bytes().fold(version as usize, |a, b| {
            a.wrapping_mul(31).wrapping_add(b as usize)
        });
        let base = &self.bases[pick % self.bases.len()];
        let comment = format!("casework fake zoho: contact {id}, photo {version}");
        let mut out = Vec::with_capacity(base.len() + comment.len() + 4);
        out.extend_from_slice(&base[..2]); // SOI
        out.extend_from_slice(&[0xFF, 0xFE]); // COM
        out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(comment.as_bytes());
        out.extend_from_slice(&base[2..]);
        out
    }

    pub fn base_sizes(&self) -> Vec<usize> {
        self.bases.iter().map(Vec::len).collect()
    }
}

/// A head-and-shoulders shape on a soft background, with sensor-like noise: it
/// compresses like a photo, not like a flat drawing.
fn portrait(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let tint = [rng.u8(60..200), rng.u8(60..200), rng.u8(60..200)];
    let (cx, cy) = (width as f32 / 2.0, height as f32 * 0.4);
    let head = width as f32 * 0.18;
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let in_head = ((fx - cx) / head).powi(2) + ((fy - cy) / (head * 1.25)).powi(2) < 1.0;
        let in_body = fy > cy + head * 1.1
            && ((fx - cx) / (head * 2.2)).powi(2)
                + ((fy - height as f32) / (height as f32 * 0.45)).powi(2)
                < 1.0;
        let shade = |c: u8, f: f32| (c as f32 * f).clamp(0.0, 255.0);
        let base = if in_head {
            [shade(224, 1.0), shade(180, 1.0), shade(150, 1.0)]
        } else if in_body {
            [
                shade(tint[2], 0.6),
                shade(tint[0], 0.6),
                shade(tint[1], 0.7),
            ]
        } else {
            let g = 0.75 + 0.25 * (fy / height as f32);
            [shade(tint[0], g), shade(tint[1], g), shade(tint[2], g)]
        };
        let noise = rng.f32() * 28.0 - 14.0;
        Rgb([
            (base[0] + noise).clamp(0.0, 255.0) as u8,
            (base[1] + noise).clamp(0.0, 255.0) as u8,
            (base[2] + noise).clamp(0.0, 255.0) as u8,
        ])
    });
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 82);
    if encoder.encode_image(&image).is_err() {
        out.clear();
    }
    out
}
