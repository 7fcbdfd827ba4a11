using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>Photos as phones make them (with EXIF and a GPS position), and multipart uploads of them.</summary>
public static class Photos
{
    /// <summary>A JPEG carrying EXIF with the camera, the time and a GPS position (27°43'12.34"N 107°12'34.5"E).</summary>
    public static byte[] JpegWithGps(int width = 640, int height = 480, bool noise = false, int quality = 90)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(90, 140, 200));
        if (noise)
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++) Random.Shared.NextBytes(MemoryMarshal.AsBytes(rows.GetRowSpan(y)));
            });
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Make, "TestPhone");
        exif.SetValue(ExifTag.DateTimeOriginal, "2026:12:06 09:30:00");
        exif.SetValue(ExifTag.GPSLatitudeRef, "N");
        exif.SetValue(ExifTag.GPSLatitude, [new Rational(27, 1), new Rational(43, 1), new Rational(1234, 100)]);
        exif.SetValue(ExifTag.GPSLongitudeRef, "E");
        exif.SetValue(ExifTag.GPSLongitude, [new Rational(107, 1), new Rational(12, 1), new Rational(345, 10)]);
        image.Metadata.ExifProfile = exif;
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }

    /// <summary>The markers of a JPEG's header segments, up to the start of the scan (APP1 = 0xE1 holds EXIF and XMP).</summary>
    public static List<byte> JpegSegments(byte[] jpeg)
    {
        Assert.True(jpeg is [0xFF, 0xD8, ..], "not a JPEG");
        var markers = new List<byte>();
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            var marker = jpeg[i + 1];
            markers.Add(marker);
            if (marker == 0xDA) break;
            i += 2 + (jpeg[i + 2] << 8 | jpeg[i + 3]);
        }
        return markers;
    }

    public static MultipartFormDataContent Form(params (string FileName, byte[] Content, string ContentType)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, content, type) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(part, "files", name);
        }
        return form;
    }
}
