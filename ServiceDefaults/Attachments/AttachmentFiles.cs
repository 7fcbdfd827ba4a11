using System.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GovPlatform.ServiceDefaults.Attachments;

/// <summary>The limits of one upload; the defaults suit a phone photo or a scanned letter.</summary>
public sealed class AttachmentLimits
{
    /// <summary>One file, as sent (a phone's full-size photo is 3-8 MB).</summary>
    public int MaxFileBytes { get; set; } = 10 * 1024 * 1024;
    /// <summary>Files in one upload, and on one request or one work order step.</summary>
    public int MaxFiles { get; set; } = 10;
    /// <summary>The whole multipart body of one upload.</summary>
    public long MaxUploadBytes { get; set; } = 32 * 1024 * 1024;
    /// <summary>Width × height an image may declare: a small file claiming a huge canvas would take gigabytes to decode.</summary>
    public long MaxPixels { get; set; } = 50_000_000;
    /// <summary>Stored images are scaled down to fit this (longer side, pixels): enough to read a meter or a crack.</summary>
    public int MaxStoredSide { get; set; } = 2560;
    public int ThumbnailSide { get; set; } = 320;
    public int JpegQuality { get; set; } = 82;
}

/// <summary>A file that passed the checks, ready to store: for images the re-encoded bytes, never the ones sent.</summary>
public sealed record AcceptedFile(string Kind, string ContentType, string FileName, byte[] Content, int ReceivedBytes,
    int? Width, int? Height, byte[]? Thumbnail, TimeSpan ProcessingTime);

/// <summary>Why a file was refused: the HTTP status (413 too big, 415 wrong type, 422 corrupt) and what to tell the client.</summary>
public sealed record RefusedFile(int Status, string Problem);

/// <summary>
/// What a file is, judged by its first bytes (the name and the declared type are the client's word, not proof), and
/// how it is made safe to keep: photos are decoded and encoded afresh, which drops EXIF (above all the GPS position
/// a phone writes into every photo), XMP, IPTC and anything appended after the image; documents are kept as sent.
/// </summary>
public static class AttachmentFiles
{
    public const string ImageKind = "image";
    public const string DocumentKind = "document";

    private enum Sniffed { Unknown, Jpeg, Png, Webp, Pdf }

    public static string Describe => "JPEG, PNG or WebP photos, PDF documents";

    private static Sniffed Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [0xFF, 0xD8, 0xFF, ..] => Sniffed.Jpeg,
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Sniffed.Png,
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => Sniffed.Webp,
        [(byte)'%', (byte)'P', (byte)'D', (byte)'F', (byte)'-', ..] => Sniffed.Pdf,
        _ => Sniffed.Unknown,
    };

    /// <summary>Checks and prepares one file; <paramref name="content"/> is what the client sent.</summary>
    public static (AcceptedFile? File, RefusedFile? Refused) Prepare(byte[] content, string? fileName, AttachmentLimits limits)
    {
        var started = Stopwatch.GetTimestamp();
        if (content.Length == 0) return (null, new RefusedFile(StatusCodes400, "The file is empty."));
        if (content.Length > limits.MaxFileBytes)
            return (null, new RefusedFile(413, $"The file has {content.Length} bytes; at most {limits.MaxFileBytes} are accepted."));
        var name = SafeName(fileName);
        var sniffed = Sniff(content);
        switch (sniffed)
        {
            case Sniffed.Unknown:
                return (null, new RefusedFile(415, $"The file's content is not one of the accepted kinds ({Describe}), whatever its name says."));
            case Sniffed.Pdf:
                // Not rewritten: served only as a download, with nosniff, so a browser never runs what it may hold.
                return (new AcceptedFile(DocumentKind, "application/pdf", name, content, content.Length, null, null, null,
                    Stopwatch.GetElapsedTime(started)), null);
        }

        try
        {
            var info = Image.Identify(content);
            if (info is null) return (null, new RefusedFile(422, "The file starts like an image but cannot be read as one."));
            if ((long)info.Width * info.Height > limits.MaxPixels)
                return (null, new RefusedFile(413, $"The image is {info.Width}×{info.Height} pixels; at most {limits.MaxPixels} pixels are accepted."));

            using var image = Image.Load<Rgba32>(content);
            // The EXIF orientation is applied to the pixels before the EXIF goes, so the photo stays upright.
            image.Mutate(x => x.AutoOrient());
            if (Math.Max(image.Width, image.Height) > limits.MaxStoredSide)
                image.Mutate(x => x.Resize(new ResizeOptions { Mode = ResizeMode.Max, Size = new Size(limits.MaxStoredSide, limits.MaxStoredSide) }));
            StripMetadata(image);

            // A PNG may be a screenshot with transparency or sharp text: it stays a PNG. Photos become JPEG.
            var png = sniffed == Sniffed.Png;
            using var stored = new MemoryStream();
            if (png) image.SaveAsPng(stored, new PngEncoder { CompressionLevel = PngCompressionLevel.DefaultCompression });
            else image.SaveAsJpeg(stored, new JpegEncoder { Quality = limits.JpegQuality });

            using var thumbnail = image.Clone(x => x
                .Resize(new ResizeOptions { Mode = ResizeMode.Max, Size = new Size(limits.ThumbnailSide, limits.ThumbnailSide) })
                .BackgroundColor(Color.White));
            StripMetadata(thumbnail);
            using var thumb = new MemoryStream();
            thumbnail.SaveAsJpeg(thumb, new JpegEncoder { Quality = 75 });

            return (new AcceptedFile(ImageKind, png ? "image/png" : "image/jpeg", name, stored.ToArray(), content.Length,
                image.Width, image.Height, thumb.ToArray(), Stopwatch.GetElapsedTime(started)), null);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // ImageSharp 2.1 surfaces malformed data as many exception types (ImageFormatException, but also index and
            // argument errors deep in a decoder): whatever the decoder of an untrusted file throws, the file is at fault,
            // and a half-written or tampered photo is the client's problem, not a 500.
            return (null, new RefusedFile(422, "The image is damaged and cannot be decoded; send the photo again."));
        }
    }

    private const int StatusCodes400 = 400;

    private static void StripMetadata(Image image)
    {
        image.Metadata.ExifProfile = null;
        image.Metadata.XmpProfile = null;
        image.Metadata.IptcProfile = null;
        image.Metadata.IccProfile = null;
        foreach (var frame in image.Frames)
        {
            frame.Metadata.ExifProfile = null;
            frame.Metadata.XmpProfile = null;
            frame.Metadata.IptcProfile = null;
            frame.Metadata.IccProfile = null;
        }
    }

    /// <summary>The name as sent, for people to recognise the file; never used as a path.</summary>
    public static string SafeName(string? fileName)
    {
        var name = Path.GetFileName(fileName ?? "").Trim();
        if (name.Length is 0 or > 200 || Http.TextRules.Problem(name) is not null || name.IndexOfAny(['"', '\\', '/']) >= 0)
            return "file";
        return name;
    }
}
