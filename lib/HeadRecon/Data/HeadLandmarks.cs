namespace HeadRecon.Data;

/// <summary>
/// Named facial landmarks of a synthetic head, exact points on its surface (XML units, the head's own frame).
/// Names follow H3DS's six alignment landmarks plus the eye corners and the chin.
/// </summary>
public sealed record HeadLandmarks(IReadOnlyDictionary<string, Vector3d> Points)
{
    public const string RightEyeOuter = "right_eye_outer", RightEyeInner = "right_eye_inner";
    public const string LeftEyeOuter = "left_eye_outer", LeftEyeInner = "left_eye_inner";
    public const string RightEye = "right_eye", LeftEye = "left_eye";
    public const string NoseTip = "nose_tip", NoseBase = "nose_base";
    public const string MouthRight = "mouth_right", MouthLeft = "mouth_left", Chin = "chin";

    /// <summary>H3DS's Procrustes landmarks, in its order: right eye, left eye, nose tip, nose base, right and left lip corners.</summary>
    public static readonly string[] H3dsOrder = [RightEye, LeftEye, NoseTip, NoseBase, MouthRight, MouthLeft];

    public static readonly string[] All = [RightEyeOuter, RightEyeInner, LeftEyeInner, LeftEyeOuter, RightEye, LeftEye, NoseTip, NoseBase, MouthRight, MouthLeft, Chin];

    public Vector3d this[string name] => Points[name];
}
