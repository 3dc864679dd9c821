//! Contractor photos: checked, measured and decoded with the `image` crate, thumbnailed
//! with `fast_image_resize` and `jpeg-encoder` (the sync's limit was this CPU: with
//! `image`'s own resize and encoder a photo cost 2.5 times as much; benches/photos.rs).
//! The app stores the result under the content hash (app/src/server/contractors).

use std::io::Cursor;

use bytes::Bytes;
use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// Thumbnail widths: the directory's cards (80 CSS px, 1× and 2×… and the contractor
/// page's 240 px at 2×). The original is served for anything larger.
pub const THUMB_WIDTHS: [u32; 2] = [160, 480];
/// Photos larger than this many pixels are refused (a decompression bomb costs memory
/// long before it costs bytes).
const MAX_PIXELS: u64 = 40_000_000;

/// A photo ready to store.
pub struct Prepared {
    pub hash: String,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub original: Bytes,
    /// (width, JPEG) for each thumbnail narrower than the original.
    pub thumbs: Vec<(u32, Vec<u8>)>,
}

/// The SHA-256 of a photo's bytes, hex.
pub fn hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks, measures and thumbnails a photo. CPU work: run it off the async threads.
pub fn prepare(bytes: Bytes) -> Result<Prepared, String> {
    let format = image::guess_format(&bytes).map_err(|_| "not an image".to_string())?;
    let content_type = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::Gif => "image/gif",
        ImageFormat::WebP => "image/webp",
        other => return Err(format!("an image format we do not serve ({other:?})")),
    };
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("the image cannot be read ({e})"))?;
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("an image of {width}×{height} pixels"));
    }
    let thumbs = thumbnails(image)?;
    Ok(Prepared {
        hash: hash(&bytes),
        content_type,
        width,
        height,
        original: bytes,
        thumbs,
    })
}

/// A JPEG for each of [`THUMB_WIDTHS`] narrower than the image, in that order. Each is
/// resized from the original (a convolution: sharp when shrinking, where
/// `image`'s area sampling was both softer and four times slower).
fn thumbnails(image: DynamicImage) -> Result<Vec<(u32, Vec<u8>)>, String> {
    let (width, height) = (image.width(), image.height());
    let rgb = Image::from_vec_u8(width, height, image.into_rgb8().into_raw(), PixelType::U8x3)
        .map_err(|e| format!("the image cannot be read ({e})"))?;
    let mut resizer = Resizer::new();
    // Catmull-Rom: as sharp as Lanczos-3 when shrinking this little, and a third cheaper.
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    let mut thumbs = Vec::new();
    for target in THUMB_WIDTHS.into_iter().filter(|w| *w < width) {
        let target_height =
            ((u64::from(height) * u64::from(target)) / u64::from(width)).max(1) as u32;
        let mut small = Image::new(target, target_height, PixelType::U8x3);
        resizer
            .resize(&rgb, &mut small, &options)
            .map_err(|e| format!("a thumbnail could not be made ({e})"))?;
        let mut out = Vec::new();
        // Both fit: the width is one of ours, the height is below the image's own
        // (at most 12,000, the decoding limit).
        let (w, h) = (
            u16::try_from(target).map_err(|_| "a thumbnail too wide".to_string())?,
            u16::try_from(target_height).map_err(|_| "a photo too tall".to_string())?,
        );
        jpeg_encoder::Encoder::new(&mut out, 80)
            .encode(small.buffer(), w, h, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| format!("a thumbnail could not be made ({e})"))?;
        thumbs.push((target, out));
    }
    Ok(thumbs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Bytes {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        let encoded =
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&image);
        assert!(encoded.is_ok());
        Bytes::from(out)
    }

    #[test]
    fn thumbnails_keep_the_aspect_and_skip_sizes_above_the_original() {
        let prepared = prepare(jpeg(600, 800)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((prepared.width, prepared.height), (600, 800));
        assert_eq!(prepared.content_type, "image/jpeg");
        let widths: Vec<u32> = prepared.thumbs.iter().map(|(w, _)| *w).collect();
        assert_eq!(widths, [160, 480]);
        let small =
            image::load_from_memory(&prepared.thumbs[0].1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((small.width(), small.height()), (160, 213));
        let narrow = prepare(jpeg(300, 300)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(narrow.thumbs.len(), 1);
        assert_eq!(prepared.hash.len(), 64);
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert!(prepare(Bytes::from_static(b"<html>not a photo</html>")).is_err());
        // A JPEG cut before its frame header.
        let mut cut = jpeg(200, 200).to_vec();
        cut.truncate(20);
        assert!(prepare(Bytes::from(cut)).is_err());
        // A PNG header claiming 100,000 × 100,000 pixels is refused before decoding.
        let mut bomb = Vec::new();
        bomb.extend_from_slice(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR");
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(prepare(Bytes::from(bomb)).is_err());
    }
}
