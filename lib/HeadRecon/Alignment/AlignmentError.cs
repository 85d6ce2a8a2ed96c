using System.Globalization;
using HeadRecon.Data;

namespace HeadRecon.Alignment;

/// <summary>
/// How far an estimated similarity is from the true one (both mapping the same world into the same template frame):
/// the angle of R_est·R_trueᵀ, the relative scale error s_est/s_true − 1, and the distance in the world between where
/// the two put the template's origin (the head centre for the synthetic family), in world units.
/// </summary>
public sealed record AlignmentError(double RotationDegrees, double ScaleError, double TranslationError)
{
    public static AlignmentError Between(Similarity estimated, Similarity truth)
    {
        var a = estimated.Inverse().Apply([0, 0, 0]);
        var b = truth.Inverse().Apply([0, 0, 0]);
        double d = Math.Sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
        return new AlignmentError(Rotations.AngleBetweenDegrees(estimated.Rotation, truth.Rotation), estimated.Scale / truth.Scale - 1, d);
    }

    public bool Within(double degrees, double relativeScale, double translation) =>
        RotationDegrees <= degrees && Math.Abs(ScaleError) <= relativeScale && TranslationError <= translation;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"rotation {RotationDegrees:F3}°, scale {100 * ScaleError:+0.00;-0.00} %, origin {TranslationError:F2} (world units)");
}
