//! WebP files built chunk by chunk, for the tests of what a photo's bytes hold.

/// A RIFF chunk: its four-character code, its length, its data, padded to an even length.
pub fn webp_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = fourcc.to_vec();
    c.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
    c.extend(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// A WebP file of `chunks`, its RIFF length counting them.
pub fn riff(chunks: &[&[u8]]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut file = b"RIFF".to_vec();
    file.extend(u32::try_from(body.len() + 4).unwrap().to_le_bytes());
    file.extend(b"WEBP");
    file.extend(body);
    file
}
