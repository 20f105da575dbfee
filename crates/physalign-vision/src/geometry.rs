//! Rotated regions of interest and the affine crop that turns one into a model input tensor.

use image::RgbImage;

/// A square region of an image, rotated about its centre. All values in pixels / radians.
///
/// Rotation follows MediaPipe: positive turns the region clockwise on screen (y points down),
/// so the region's "up" is the direction the person's head points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Centre, horizontal pixel coordinate (pixel `k` covers `[k, k+1)`).
    pub center_x: f32,
    /// Centre, vertical pixel coordinate.
    pub center_y: f32,
    /// Side length in pixels.
    pub size: f32,
    /// Rotation in radians.
    pub rotation: f32,
}

/// How BlazePose enlarges the region spanned by its two alignment points (training margin).
const ROI_SCALE: f32 = 1.25;

impl Roi {
    /// The region MediaPipe derives from two alignment points in pixels: `center` is the body
    /// centre, `scale_point` lies at the body's half-size in the direction of the head.
    /// (AlignmentPointsRectsCalculator with target angle 90 degrees, then a square 1.25x scale.)
    pub fn from_alignment_points(center: (f32, f32), scale_point: (f32, f32)) -> Self {
        let (dx, dy) = (scale_point.0 - center.0, scale_point.1 - center.1);
        let box_size = 2.0 * (dx * dx + dy * dy).sqrt();
        let rotation = normalize_radians(std::f32::consts::FRAC_PI_2 - (-dy).atan2(dx));
        Self {
            center_x: center.0,
            center_y: center.1,
            size: box_size * ROI_SCALE,
            rotation,
        }
    }

    /// The unrotated square that letterboxes a whole `width` x `height` image.
    pub fn letterbox(width: u32, height: u32) -> Self {
        Self {
            center_x: width as f32 / 2.0,
            center_y: height as f32 / 2.0,
            size: width.max(height) as f32,
            rotation: 0.0,
        }
    }

    /// Maps a point given in region-normalised coordinates (0..1 across the region, before
    /// rotation) to image pixel coordinates.
    #[inline]
    pub fn to_image(&self, u: f32, v: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        let dx = (u - 0.5) * self.size;
        let dy = (v - 0.5) * self.size;
        (
            self.center_x + cos * dx - sin * dy,
            self.center_y + sin * dx + cos * dy,
        )
    }

    /// Rotates a vector from region axes to image axes (used for world landmarks).
    #[inline]
    pub fn rotate(&self, x: f32, y: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        (cos * x - sin * y, sin * x + cos * y)
    }
}

/// Wraps an angle into `[-pi, pi)`.
pub fn normalize_radians(angle: f32) -> f32 {
    use std::f32::consts::PI;
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

/// What the crop samples outside the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Border {
    /// Repeat the nearest edge pixel.
    Replicate,
    /// Black (pixel value 0 before the value mapping).
    Zero,
}

/// Memory layout of the model's image input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `[1, H, W, 3]`.
    Nhwc,
    /// `[1, 3, H, W]`.
    Nchw,
}

/// Parameters of one crop into a square tensor.
#[derive(Debug, Clone, Copy)]
pub struct CropSpec {
    /// Output side in pixels.
    pub side: usize,
    /// Tensor layout.
    pub layout: Layout,
    /// Value of a 0 pixel.
    pub low: f32,
    /// Value of a 255 pixel.
    pub high: f32,
    /// Outside-image sampling.
    pub border: Border,
}

/// Samples `roi` of `image` bilinearly into `out` (`side * side * 3` floats).
///
/// The hot path of the pipeline: each output row is a straight line through the source, so the
/// source position advances by a constant step per output pixel.
pub fn crop_to_tensor(image: &RgbImage, roi: &Roi, spec: &CropSpec, out: &mut [f32]) {
    let side = spec.side;
    debug_assert_eq!(out.len(), side * side * 3);
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 {
        out.fill(spec.low);
        return;
    }
    let raw: &[u8] = image.as_raw();
    let scale = (spec.high - spec.low) / 255.0;
    let offset = spec.low;
    let (sin, cos) = roi.rotation.sin_cos();
    let step = roi.size / side as f32;
    // Source step per output column and per output row.
    let (col_dx, col_dy) = (cos * step, sin * step);
    let (row_dx, row_dy) = (-sin * step, cos * step);
    // Source position of output pixel (0, 0)'s centre, shifted by -0.5 so that integer
    // coordinates address pixel centres.
    let half = roi.size / 2.0;
    let first_u = -half + step / 2.0;
    let origin_x = roi.center_x + cos * first_u - sin * first_u - 0.5;
    let origin_y = roi.center_y + sin * first_u + cos * first_u - 0.5;
    let rows = Rows {
        raw,
        w,
        h,
        side,
        scale,
        offset,
        origin: (origin_x, origin_y),
        col_step: (col_dx, col_dy),
        row_step: (row_dx, row_dy),
    };
    // One monomorphised loop per combination keeps the per-pixel branches out of the hot path.
    match (spec.layout, spec.border) {
        (Layout::Nhwc, Border::Replicate) => rows.fill::<false, false>(out),
        (Layout::Nhwc, Border::Zero) => rows.fill::<false, true>(out),
        (Layout::Nchw, Border::Replicate) => rows.fill::<true, false>(out),
        (Layout::Nchw, Border::Zero) => rows.fill::<true, true>(out),
    }
}

/// The sampling grid of one crop: output pixel (col, row) reads the source at
/// `origin + col * col_step + row * row_step`.
struct Rows<'a> {
    raw: &'a [u8],
    w: usize,
    h: usize,
    side: usize,
    scale: f32,
    offset: f32,
    origin: (f32, f32),
    col_step: (f32, f32),
    row_step: (f32, f32),
}

impl Rows<'_> {
    fn fill<const NCHW: bool, const ZERO_BORDER: bool>(&self, out: &mut [f32]) {
        let (w, h, side) = (self.w, self.h, self.side);
        let plane = side * side;
        let stride = w * 3;
        let (max_x, max_y) = ((w - 1) as f32, (h - 1) as f32);
        for row in 0..side {
            let mut sx = self.origin.0 + row as f32 * self.row_step.0;
            let mut sy = self.origin.1 + row as f32 * self.row_step.1;
            for col in 0..side {
                let rgb = if ZERO_BORDER {
                    sample_zero(self.raw, stride, sx, sy, w, h)
                } else {
                    sample_clamped(
                        self.raw,
                        stride,
                        sx.clamp(0.0, max_x),
                        sy.clamp(0.0, max_y),
                        w,
                        h,
                    )
                };
                let i = row * side + col;
                if NCHW {
                    out[i] = rgb[0] * self.scale + self.offset;
                    out[plane + i] = rgb[1] * self.scale + self.offset;
                    out[2 * plane + i] = rgb[2] * self.scale + self.offset;
                } else {
                    let o = &mut out[i * 3..i * 3 + 3];
                    o[0] = rgb[0] * self.scale + self.offset;
                    o[1] = rgb[1] * self.scale + self.offset;
                    o[2] = rgb[2] * self.scale + self.offset;
                }
                sx += self.col_step.0;
                sy += self.col_step.1;
            }
        }
    }
}

/// Bilinear sample at a position already clamped into the image.
#[inline(always)]
fn sample_clamped(raw: &[u8], stride: usize, x: f32, y: f32, w: usize, h: usize) -> [f32; 3] {
    let x0 = x as usize;
    let y0 = y as usize;
    let x1 = (x0 + 1).min(w - 1);
    let y1 = (y0 + 1).min(h - 1);
    let fx = x - x0 as f32;
    let fy = y - y0 as f32;
    let r0 = y0 * stride;
    let r1 = y1 * stride;
    let (a, b, c, d) = (r0 + x0 * 3, r0 + x1 * 3, r1 + x0 * 3, r1 + x1 * 3);
    let mut px = [0.0f32; 3];
    for (ch, v) in px.iter_mut().enumerate() {
        let top = raw[a + ch] as f32 + (raw[b + ch] as f32 - raw[a + ch] as f32) * fx;
        let bottom = raw[c + ch] as f32 + (raw[d + ch] as f32 - raw[c + ch] as f32) * fx;
        *v = top + (bottom - top) * fy;
    }
    px
}

/// Bilinear sample treating everything outside the image as black.
#[inline(always)]
fn sample_zero(raw: &[u8], stride: usize, x: f32, y: f32, w: usize, h: usize) -> [f32; 3] {
    if x >= 0.0 && y >= 0.0 && x <= (w - 1) as f32 && y <= (h - 1) as f32 {
        return sample_clamped(raw, stride, x, y, w, h);
    }
    // Wholly outside: no tap touches the image.
    if x <= -1.0 || y <= -1.0 || x >= w as f32 || y >= h as f32 {
        return [0.0; 3];
    }
    let (xf, yf) = (x.floor(), y.floor());
    let (fx, fy) = (x - xf, y - yf);
    let (x0, y0) = (xf as i64, yf as i64);
    let tap = |xi: i64, yi: i64, ch: usize| -> f32 {
        if xi < 0 || yi < 0 || xi >= w as i64 || yi >= h as i64 {
            0.0
        } else {
            raw[yi as usize * stride + xi as usize * 3 + ch] as f32
        }
    };
    let mut px = [0.0f32; 3];
    for (ch, v) in px.iter_mut().enumerate() {
        let top = tap(x0, y0, ch) * (1.0 - fx) + tap(x0 + 1, y0, ch) * fx;
        let bottom = tap(x0, y0 + 1, ch) * (1.0 - fx) + tap(x0 + 1, y0 + 1, ch) * fx;
        *v = top * (1.0 - fy) + bottom * fy;
    }
    px
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_points_above_centre_give_upright_region() {
        let roi = Roi::from_alignment_points((100.0, 200.0), (100.0, 120.0));
        assert!(roi.rotation.abs() < 1e-6);
        assert!((roi.size - 2.0 * 80.0 * 1.25).abs() < 1e-3);
        // Region "up" (v = 0) maps above the centre.
        let (x, y) = roi.to_image(0.5, 0.0);
        assert!(
            (x - 100.0).abs() < 1e-3 && (y - 100.0).abs() < 1e-3,
            "{x},{y}"
        );
    }

    #[test]
    fn region_up_points_towards_the_scale_point() {
        // Person lying with the head to the right.
        let roi = Roi::from_alignment_points((100.0, 100.0), (160.0, 100.0));
        let (x, y) = roi.to_image(0.5, 0.0);
        assert!(x > 100.0 + 50.0 && (y - 100.0).abs() < 1e-3, "{x},{y}");
    }

    #[test]
    fn unrotated_crop_reproduces_the_image() {
        let mut img = RgbImage::new(8, 8);
        for (x, y, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb([(x * 30) as u8, (y * 30) as u8, 7]);
        }
        let roi = Roi::letterbox(8, 8);
        let spec = CropSpec {
            side: 8,
            layout: Layout::Nhwc,
            low: 0.0,
            high: 255.0,
            border: Border::Zero,
        };
        let mut out = vec![0.0; 8 * 8 * 3];
        crop_to_tensor(&img, &roi, &spec, &mut out);
        for y in 0..8 {
            for x in 0..8 {
                let i = (y * 8 + x) * 3;
                assert!((out[i] - (x * 30) as f32).abs() < 1e-3);
                assert!((out[i + 1] - (y * 30) as f32).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn quarter_turn_crop_rotates_pixels() {
        let mut img = RgbImage::new(4, 4);
        img.put_pixel(3, 0, image::Rgb([255, 0, 0])); // top-right
        let roi = Roi {
            rotation: std::f32::consts::FRAC_PI_2,
            ..Roi::letterbox(4, 4)
        };
        let spec = CropSpec {
            side: 4,
            layout: Layout::Nchw,
            low: 0.0,
            high: 1.0,
            border: Border::Replicate,
        };
        let mut out = vec![0.0; 4 * 4 * 3];
        crop_to_tensor(&img, &roi, &spec, &mut out);
        // Region top-left (u=0, v=0) samples image point centre + R(-2,-2) = (4, 0) -> top-right.
        assert!(out[0] > 0.99, "{:?}", &out[..16]);
    }
}
