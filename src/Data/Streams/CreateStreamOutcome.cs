namespace Sluice.Data.Streams;

public enum CreateStreamOutcome
{
    Created,
    NameTaken,
    StorageUnavailable,
}
