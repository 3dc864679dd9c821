#![allow(clippy::expect_used)]
//! What one contractor photo costs the sync in CPU, step by step: `cargo bench -p
//! photos` (run by `make bench-sync`, written into its section of
//! bench/RESULTS.md). The photos are the fake Zoho's (the ones the sync benchmark
//! downloads: 480–800 px JPEGs of 40–200 KB). Each step runs over 120 photos; the
//! figures are CPU milliseconds per photo on one core. `image` alone (its area-sampling
//! `thumbnail` and its JPEG encoder) is measured beside the shipped pipeline, which
//! replaced it: that was the sync's limit (bench/RESULTS.md, "CRM sync").

use std::io::Cursor;
use std::time::Instant;

use bytes::Bytes;
use image::{DynamicImage, ImageReader};
use photos::THUMB_WIDTHS;

const PHOTOS: usize = 120;

fn per_photo(inputs: usize, run: impl FnOnce()) -> f64 {
    let started = Instant::now();
    run();
    started.elapsed().as_secs_f64() * 1000.0 / inputs as f64
}

/// The pipeline before: `image`'s thumbnail and JPEG encoder.
fn image_only(image: &DynamicImage) -> usize {
    let mut bytes = 0;
    for target in THUMB_WIDTHS.into_iter().filter(|w| *w < image.width()) {
        let height = image.height() * target / image.width();
        let small = image.thumbnail(target, height).to_rgb8();
        let mut out = Vec::new();
        let encoded =
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&small);
        assert!(encoded.is_ok());
        bytes += out.len();
    }
    bytes
}

fn main() {
    let fake = zoho::fake::photos::Photos::generate(7);
    let inputs: Vec<Bytes> = (0..PHOTOS)
        .map(|i| Bytes::from(fake.photo(&format!("{i}"), 1)))
        .collect();
    let n = inputs.len();
    let mut decoded = Vec::new();
    let decode = per_photo(n, || {
        for bytes in &inputs {
            let reader = ImageReader::new(Cursor::new(&bytes[..])).with_guessed_format();
            decoded.push(reader.ok().and_then(|r| r.decode().ok()).expect("a JPEG"));
        }
    });
    let hash = per_photo(n, || {
        for bytes in &inputs {
            std::hint::black_box(photos::hash(bytes));
        }
    });
    let mut before_bytes = 0;
    let before = per_photo(n, || {
        for image in &decoded {
            before_bytes += image_only(image);
        }
    });
    let mut after_bytes = 0;
    let shipped = per_photo(n, || {
        for bytes in &inputs {
            let prepared = photos::prepare(bytes.clone()).expect("a photo");
            after_bytes += prepared.thumbs.iter().map(|(_, t)| t.len()).sum::<usize>();
        }
    });
    let input_kb = inputs.iter().map(Bytes::len).sum::<usize>() as f64 / n as f64 / 1024.0;
    println!(
        "{{\"photos\": {n}, \"input_kb\": {input_kb:.0}, \"decode_ms\": {decode:.2}, \"hash_ms\": {hash:.3}, \
         \"thumbnails_image_only_ms\": {before:.2}, \"prepare_ms\": {shipped:.2}, \
         \"thumb_kb_image_only\": {:.1}, \"thumb_kb\": {:.1}}}",
        before_bytes as f64 / n as f64 / 1024.0,
        after_bytes as f64 / n as f64 / 1024.0
    );
}
