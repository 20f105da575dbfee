//! A single-image ONNX model: finds its square RGB input and runs it on a float buffer.

use crate::geometry::Layout;
use crate::runtime::open_session;
use crate::VisionError;
use ort::session::{HasSelectedOutputs, OutputSelector, RunOptions, Session};
use ort::value::TensorRef;
use std::path::Path;

/// An ONNX model taking one `[1, side, side, 3]` (or `[1, 3, side, side]`) float image.
pub(crate) struct ImageModel {
    session: Session,
    name: String,
    /// Input side in pixels.
    pub side: usize,
    /// Input layout.
    pub layout: Layout,
    shape: [usize; 4],
    /// Asks only for the outputs the pipeline reads, so that ONNX Runtime can skip the rest of
    /// the graph (the landmark model's segmentation decoder).
    run_options: RunOptions<HasSelectedOutputs>,
}

impl ImageModel {
    /// Opens the model and reads its input geometry. Outputs whose shape `unused` accepts are
    /// never computed.
    pub fn open(
        path: &Path,
        threads: usize,
        name: &str,
        unused: impl Fn(&[i64]) -> bool,
    ) -> Result<Self, VisionError> {
        let session = open_session(path, threads)?;
        let shape_err = |detail: String| VisionError::ModelShape {
            model: name.to_string(),
            detail,
        };
        let [input] = session.inputs() else {
            return Err(shape_err(format!(
                "{} inputs (expected 1)",
                session.inputs().len()
            )));
        };
        let dims: Vec<i64> = input
            .dtype()
            .tensor_shape()
            .map(|s| s.to_vec())
            .ok_or_else(|| shape_err("input is not a tensor".into()))?;
        let (side, layout) = match dims.as_slice() {
            [_, h, w, 3] if h == w && *h > 0 => (*h as usize, Layout::Nhwc),
            [_, 3, h, w] if h == w && *h > 0 => (*h as usize, Layout::Nchw),
            other => {
                return Err(shape_err(format!(
                    "input shape {other:?} is not a square RGB image"
                )))
            }
        };
        let mut selector = OutputSelector::no_default();
        for output in session.outputs() {
            let dims = output
                .dtype()
                .tensor_shape()
                .map(|s| s.to_vec())
                .unwrap_or_default();
            if !unused(&dims) {
                selector = selector.with(output.name());
            }
        }
        let run_options = RunOptions::new()
            .map_err(|e| VisionError::inference(format!("configuring {name}"), e))?
            .with_outputs(selector);
        let shape = match layout {
            Layout::Nhwc => [1, side, side, 3],
            Layout::Nchw => [1, 3, side, side],
        };
        Ok(Self {
            session,
            name: name.to_string(),
            side,
            layout,
            shape,
            run_options,
        })
    }

    /// Runs the model and hands every output, flattened, in output order to `read`.
    pub fn run_with<R>(
        &mut self,
        input: &[f32],
        read: impl FnOnce(&[&[f32]]) -> Result<R, VisionError>,
    ) -> Result<R, VisionError> {
        let context = || format!("running {}", self.name);
        let tensor = TensorRef::from_array_view((self.shape, input))
            .map_err(|e| VisionError::inference(context(), e))?;
        let outputs = self
            .session
            .run_with_options(ort::inputs![tensor], &self.run_options)
            .map_err(|e| VisionError::inference(format!("running {}", self.name), e))?;
        let mut slices = Vec::with_capacity(outputs.len());
        for index in 0..outputs.len() {
            let (_, data) = outputs[index]
                .try_extract_tensor::<f32>()
                .map_err(|e| VisionError::inference(format!("reading {} output", self.name), e))?;
            slices.push(data);
        }
        read(&slices)
    }

    /// Runs the model and copies out every output (for small outputs).
    pub fn run(&mut self, input: &[f32]) -> Result<Vec<Vec<f32>>, VisionError> {
        self.run_with(input, |outs| Ok(outs.iter().map(|o| o.to_vec()).collect()))
    }
}
