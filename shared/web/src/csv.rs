//! CSV answers of the reports, written with the `csv` crate (quoting, line breaks and
//! separators inside fields are its job, not ours).

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Serialize;

use crate::ApiError;

/// A CSV document being written: a header row, then rows of fields or of serialised
/// structs, answered as a `text/csv` attachment.
pub struct CsvTable {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvTable {
    /// A table whose first row is `header`.
    pub fn new(header: &[&str]) -> Result<Self, ApiError> {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        writer.write_record(header).map_err(ApiError::internal)?;
        Ok(Self { writer })
    }

    /// One row of fields, written as given.
    pub fn row<I, F>(&mut self, fields: I) -> Result<&mut Self, ApiError>
    where
        I: IntoIterator<Item = F>,
        F: AsRef<[u8]>,
    {
        self.writer
            .write_record(fields)
            .map_err(ApiError::internal)?;
        Ok(self)
    }

    /// One row from a struct of plain fields, in field order (`None` is empty).
    pub fn serialize(&mut self, row: &impl Serialize) -> Result<&mut Self, ApiError> {
        self.writer.serialize(row).map_err(ApiError::internal)?;
        Ok(self)
    }

    /// The written bytes.
    pub fn into_bytes(self) -> Result<Vec<u8>, ApiError> {
        self.writer
            .into_inner()
            .map_err(|e| ApiError::internal(e.to_string()))
    }

    /// `200 text/csv`, offered for download as `<name>.csv`.
    pub fn into_response(self, name: &str) -> Result<HttpResponse, ApiError> {
        Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ))
            .body(self.into_bytes()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Line {
        part: &'static str,
        qty: i32,
        note: Option<&'static str>,
    }

    #[test]
    fn fields_that_need_quotes_are_quoted_and_none_is_empty() {
        let mut t = CsvTable::new(&["part", "qty", "note"]).unwrap();
        t.serialize(&Line {
            part: "P-1",
            qty: 2,
            note: Some("says \"hi\", twice\nand more"),
        })
        .unwrap();
        t.serialize(&Line {
            part: "P,2",
            qty: 0,
            note: None,
        })
        .unwrap();
        t.row(["total", "2", ""]).unwrap();
        let text = String::from_utf8(t.into_bytes().unwrap()).unwrap();
        assert_eq!(
            text,
            "part,qty,note\nP-1,2,\"says \"\"hi\"\", twice\nand more\"\n\"P,2\",0,\ntotal,2,\n"
        );
    }

    #[test]
    fn the_response_is_a_named_csv_attachment() {
        let resp = CsvTable::new(&["a"])
            .unwrap()
            .into_response("fill-rate")
            .unwrap();
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/csv; charset=utf-8"
        );
        assert_eq!(
            resp.headers().get(header::CONTENT_DISPOSITION).unwrap(),
            "attachment; filename=\"fill-rate.csv\""
        );
    }
}
