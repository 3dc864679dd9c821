//! What compressing a page costs, per encoder and level, measured alone: `cargo bench
//! --bench compression --features ssr -- PAGE.html…`, run by `make bench` on pages it
//! saved from the server (the work queue, a case, the companies list). The server
//! compresses every page it makes as the browser asks (src/startup.rs); under the mixed
//! benchmark brotli at level 4 was a quarter of its CPU, so this is the table the
//! encoder and level were chosen by. Each line of output is one JSON object: the page,
//! the encoder and level, the compressed size, and the time per page (median of
//! rounds, each compressing the page many times through a fresh encoder, as each
//! response gets one).

use std::time::Instant;

use async_compression::Level;
use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder, ZstdEncoder};
use tokio::io::AsyncReadExt;

/// (encoder, level): what tower-http's `CompressionLayer` can be set to.
const CANDIDATES: [(&str, i32); 9] = [
    ("br", 1),
    ("br", 4),
    ("br", 6),
    ("gzip", 1),
    ("gzip", 4),
    ("gzip", 6),
    ("zstd", 1),
    ("zstd", 3),
    ("zstd", 6),
];

async fn compress(encoder: &str, level: i32, page: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let level = Level::Precise(level);
    let done = match encoder {
        "br" => {
            BrotliEncoder::with_quality(page, level)
                .read_to_end(out)
                .await
        }
        "gzip" => {
            GzipEncoder::with_quality(page, level)
                .read_to_end(out)
                .await
        }
        _ => {
            ZstdEncoder::with_quality(page, level)
                .read_to_end(out)
                .await
        }
    };
    if let Err(error) = done {
        eprintln!("{encoder} {level:?}: {error}");
        std::process::exit(1);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; the rest are page files.
    let pages: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    if pages.is_empty() {
        eprintln!("usage: cargo bench --bench compression --features ssr -- PAGE.html…");
        std::process::exit(2);
    }
    for path in pages {
        let page = match std::fs::read(&path) {
            Ok(page) => page,
            Err(error) => {
                eprintln!("{path}: {error}");
                std::process::exit(1);
            }
        };
        let name = std::path::Path::new(&path)
            .file_stem()
            .map(|stem| stem.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(page.len());
        // About 50 ms a round whatever the page's size; 9 rounds, the median kept.
        let per_round = (3_000_000 / page.len().max(1)).clamp(5, 500);
        for (encoder, level) in CANDIDATES {
            compress(encoder, level, &page, &mut out).await;
            let mut rounds = Vec::new();
            for _ in 0..9 {
                let started = Instant::now();
                for _ in 0..per_round {
                    compress(encoder, level, &page, &mut out).await;
                }
                rounds.push(started.elapsed().as_secs_f64() * 1e6 / per_round as f64);
            }
            rounds.sort_by(f64::total_cmp);
            println!(
                "{{\"page\":\"{name}\",\"bytes\":{},\"encoder\":\"{encoder}\",\"level\":{level},\"compressed\":{},\"us\":{:.1}}}",
                page.len(),
                out.len(),
                rounds[rounds.len() / 2]
            );
        }
    }
}
