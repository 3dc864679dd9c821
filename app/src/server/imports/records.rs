//! Reading a CSV file as it arrives, a chunk at a time (the upload as it streams in,
//! the stored file as the import job streams it back): whole records out, memory held
//! to one record, whatever the file's size. csv-core does the parsing (quotes, escaped
//! quotes, newlines inside quoted fields, CRLF); this adds the checks that tell a
//! person what is wrong with their file: not UTF-8, quotes left open, a row too long.

use csv_core::{ReadRecordResult, Reader};

/// Longest record, and most columns, accepted.
const MAX_RECORD_BYTES: usize = 1024 * 1024;
const MAX_COLUMNS: usize = 200;

/// One record: its row in the file (the header is row 1; a blank line is no row, and a
/// quoted field's line breaks stay inside its row, as a spreadsheet shows them), and
/// its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u32,
    pub fields: Vec<String>,
}

/// Why a file cannot be read at all (said to the person who uploaded it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("row {0} is not UTF-8 text: save the file as “CSV UTF-8” and upload it again")]
    NotUtf8(u32),
    #[error("row {0} is longer than 1 MB: is it really a CSV file?")]
    RecordTooLong(u32),
    #[error("row {0} has more than {MAX_COLUMNS} columns")]
    TooManyColumns(u32),
    #[error(
        "a quote (\") is opened and never closed, so the rows after it cannot be told apart: \
         check the file's quotes"
    )]
    QuotesUnbalanced,
}

pub struct RecordReader {
    core: Reader,
    output: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    /// Records read (the next one's row number is this + 1).
    records: u32,
    /// Quote characters seen: a well-formed file has an even number (each quoted field
    /// opens and closes one; an escaped quote is two).
    quotes: u64,
}

impl Default for RecordReader {
    fn default() -> Self {
        Self {
            core: Reader::new(),
            output: vec![0; 4096],
            ends: vec![0; 32],
            out_len: 0,
            ends_len: 0,
            records: 0,
            quotes: 0,
        }
    }
}

impl RecordReader {
    /// The records completed by `chunk` (a record cut by the chunk's end waits for the
    /// next).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Record>, FileError> {
        self.quotes += chunk.iter().filter(|b| **b == b'"').count() as u64;
        self.read(chunk, false)
    }

    /// The last record, once the file has ended.
    pub fn finish(&mut self) -> Result<Vec<Record>, FileError> {
        if self.quotes % 2 == 1 {
            return Err(FileError::QuotesUnbalanced);
        }
        self.read(&[], true)
    }

    fn read(&mut self, mut input: &[u8], ended: bool) -> Result<Vec<Record>, FileError> {
        let mut records = Vec::new();
        loop {
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                &mut self.output[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            let line = self.records + 1;
            match result {
                ReadRecordResult::InputEmpty if !ended => return Ok(records),
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.output.len() >= MAX_RECORD_BYTES {
                        return Err(FileError::RecordTooLong(line));
                    }
                    self.output.resize(self.output.len() * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_COLUMNS {
                        return Err(FileError::TooManyColumns(line));
                    }
                    self.ends.resize(self.ends.len() * 2, 0);
                }
                ReadRecordResult::Record => {
                    self.records += 1;
                    if self.ends_len > MAX_COLUMNS {
                        return Err(FileError::TooManyColumns(line));
                    }
                    let record = self.take(line)?;
                    // A blank line is no row.
                    if !(record.fields.len() == 1 && record.fields[0].is_empty()) {
                        records.push(record);
                    }
                }
                ReadRecordResult::End => return Ok(records),
            }
        }
    }

    fn take(&mut self, line: u32) -> Result<Record, FileError> {
        let bytes = &self.output[..self.out_len];
        let mut fields = Vec::with_capacity(self.ends_len);
        let mut start = 0;
        for &end in &self.ends[..self.ends_len] {
            let text =
                std::str::from_utf8(&bytes[start..end]).map_err(|_| FileError::NotUtf8(line))?;
            fields.push(text.to_string());
            start = end;
        }
        // A byte-order mark is how spreadsheets say "UTF-8", not data.
        if line == 1
            && let Some(first) = fields.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_string();
        }
        self.out_len = 0;
        self.ends_len = 0;
        Ok(Record { line, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text`, fed in chunks of `size` bytes.
    fn read(text: &[u8], size: usize) -> Result<Vec<Record>, FileError> {
        let mut reader = RecordReader::default();
        let mut records = Vec::new();
        for chunk in text.chunks(size) {
            records.extend(reader.push(chunk)?);
        }
        records.extend(reader.finish()?);
        Ok(records)
    }

    fn fields(records: &[Record]) -> Vec<Vec<&str>> {
        records
            .iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn records_come_whole_whatever_the_chunks() {
        let text = "\u{feff}title,customer\r\n\"Boiler, noisy\",\"Ada \"\"the\"\" engineer\"\n\nLeak,\"two\nlines\"\nlast,row";
        for size in [1, 2, 3, 7, 1000] {
            let records = read(text.as_bytes(), size).unwrap();
            assert_eq!(
                fields(&records),
                [
                    vec!["title", "customer"],
                    vec!["Boiler, noisy", "Ada \"the\" engineer"],
                    vec!["Leak", "two\nlines"],
                    vec!["last", "row"],
                ],
                "chunks of {size}"
            );
            let lines: Vec<u32> = records.iter().map(|r| r.line).collect();
            assert_eq!(lines, [1, 2, 3, 4], "chunks of {size}");
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_says_why() {
        assert_eq!(
            read(b"a,b\n\"open,c\nd,e\n", 4),
            Err(FileError::QuotesUnbalanced)
        );
        assert_eq!(read(b"a,b\nok,\xff\xfe\n", 3), Err(FileError::NotUtf8(2)));
        let long = format!("a\n{}\n", "x".repeat(MAX_RECORD_BYTES + 1));
        assert_eq!(
            read(long.as_bytes(), 65536),
            Err(FileError::RecordTooLong(2))
        );
        let wide = format!("{}\n", vec!["c"; MAX_COLUMNS + 1].join(","));
        assert_eq!(
            read(wide.as_bytes(), 100),
            Err(FileError::TooManyColumns(1))
        );
        assert_eq!(read(b"", 10), Ok(vec![]));
    }
}
