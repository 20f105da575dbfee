//! The side of the body a measurement belongs to, shared by the device store, the API and the
//! sync client (the analysis engine has its own richer `Side` and converts).

crate::wire_enum! {
    /// Left or right side of the body.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum BodySide {
        /// Left side.
        Left = "left",
        /// Right side.
        Right = "right",
    }
}

#[cfg(test)]
mod tests {
    use super::BodySide;

    #[test]
    fn every_side_round_trips_through_json_and_text() {
        for &side in BodySide::ALL {
            let json = serde_json::to_string(&side).expect("serialises");
            assert_eq!(json, format!("\"{}\"", side.as_str()));
            assert_eq!(side.as_str().parse::<BodySide>(), Ok(side));
        }
        assert!("both".parse::<BodySide>().is_err());
    }
}
