//! Small vector geometry for joint angles.

use std::ops::{Add, Sub};

/// A point or direction in 2D or 3D (z = 0 for image geometry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vec3 {
    /// Horizontal component.
    pub x: f32,
    /// Vertical component (down is positive, as in images and BlazePose world coordinates).
    pub y: f32,
    /// Depth component.
    pub z: f32,
}

impl Vec3 {
    /// A vector from its components.
    pub const fn new(x: f32, y: f32, z: f32) -> Self {
        Self { x, y, z }
    }

    /// `self * k`.
    pub fn scale(self, k: f32) -> Self {
        Self::new(self.x * k, self.y * k, self.z * k)
    }

    /// Midpoint of `self` and `other`.
    pub fn mid(self, other: Self) -> Self {
        self.add(other).scale(0.5)
    }

    /// Dot product.
    pub fn dot(self, other: Self) -> f32 {
        self.x * other.x + self.y * other.y + self.z * other.z
    }

    /// Cross product.
    pub fn cross(self, other: Self) -> Self {
        Self::new(
            self.y * other.z - self.z * other.y,
            self.z * other.x - self.x * other.z,
            self.x * other.y - self.y * other.x,
        )
    }

    /// Euclidean length.
    pub fn norm(self) -> f32 {
        self.dot(self).sqrt()
    }

    /// This vector without its component along `axis` (projection onto the plane normal to it).
    pub fn reject(self, axis: Self) -> Self {
        let n2 = axis.dot(axis);
        if n2 <= f32::EPSILON {
            return self;
        }
        self.sub(axis.scale(self.dot(axis) / n2))
    }
}

impl Sub for Vec3 {
    type Output = Vec3;
    fn sub(self, other: Self) -> Self {
        Self::new(self.x - other.x, self.y - other.y, self.z - other.z)
    }
}

impl Add for Vec3 {
    type Output = Vec3;
    fn add(self, other: Self) -> Self {
        Self::new(self.x + other.x, self.y + other.y, self.z + other.z)
    }
}

/// Angle between two directions in degrees (0..=180), `None` when either is degenerate.
pub fn angle_between(u: Vec3, v: Vec3) -> Option<f32> {
    let nu = u.norm();
    let nv = v.norm();
    if nu <= 1e-6 || nv <= 1e-6 {
        return None;
    }
    let cos = (u.dot(v) / (nu * nv)).clamp(-1.0, 1.0);
    Some(cos.acos().to_degrees())
}

/// Included angle at `vertex` between the segments to `a` and `c`, in degrees (180 = straight).
pub fn included_angle(a: Vec3, vertex: Vec3, c: Vec3) -> Option<f32> {
    angle_between(a.sub(vertex), c.sub(vertex))
}

/// Included angle of three 2D image points given in pixels, in degrees (180 = straight).
///
/// This is the angle a viewer measures on the picture; evaluation against annotated keypoints uses it.
pub fn included_angle_2d(a: (f32, f32), vertex: (f32, f32), c: (f32, f32)) -> Option<f32> {
    included_angle(
        Vec3::new(a.0, a.1, 0.0),
        Vec3::new(vertex.0, vertex.1, 0.0),
        Vec3::new(c.0, c.1, 0.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_angle_and_straight_line() {
        let a = included_angle_2d((0.0, 0.0), (1.0, 0.0), (1.0, 1.0)).unwrap();
        assert!((a - 90.0).abs() < 1e-4);
        let s = included_angle_2d((0.0, 0.0), (1.0, 0.0), (2.0, 0.0)).unwrap();
        assert!((s - 180.0).abs() < 1e-3);
        assert!(included_angle_2d((1.0, 0.0), (1.0, 0.0), (2.0, 0.0)).is_none());
    }

    #[test]
    fn reject_removes_the_axis_component() {
        let v = Vec3::new(1.0, 2.0, 3.0).reject(Vec3::new(0.0, 0.0, 2.0));
        assert_eq!(v, Vec3::new(1.0, 2.0, 0.0));
    }
}
